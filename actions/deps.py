"""Builds the action server's collaborators lazily, so nothing heavy happens at import or before serving."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.lang import Lang
from core.lazy import Lazy
from knowledge.answer_types import Answer, AnswersQuestions


class LazyKnowledgeService:
    """An `AnswersQuestions` that builds the real service on first use (or on `warm_up`) and then delegates.

    A failed build is not cached: the next question tries again, so fixing a missing index needs no restart.
    """

    def __init__(self, factory: Callable[[], AnswersQuestions]) -> None:
        self._factory = factory
        self._service = Lazy(factory, prepare=lambda service: service.warm_up())

    def _get(self) -> AnswersQuestions:
        """Return the built service, building it once under a lock."""
        return self._service.get()

    @property
    def is_ready(self) -> bool:
        """True once the real service has been built and warmed up."""
        return self._service.is_ready

    def warm_up(self) -> None:
        """Build and warm up the real service now rather than on the first question."""
        self._get()

    def answer(
        self,
        question: str,
        *,
        lang: Lang,
        topic: str | None = None,
        region: str | None = None,
        previous: str | None = None,
    ) -> Answer:
        """Answer through the real service, building it first if needed."""
        return self._get().answer(question, lang=lang, topic=topic, region=region, previous=previous)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle only the factory, so a spawned worker builds its own service."""
        return {"factory": self._factory}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore an unbuilt service from its factory."""
        self.__init__(state["factory"])  # type: ignore[misc]


class AnswerCache:
    """Remembers the last `size` answers by (question, language, topic, region, previous question).

    Campaign traffic repeats itself (a poster's question asked by a whole village): a repeated question skips
    the query embedding, which is most of a knowledge answer's cost. Answers are immutable and the index is
    loaded once per process, so a cached answer is the answer the service would give again."""

    def __init__(self, inner: AnswersQuestions, size: int = 2048) -> None:
        self._inner = inner
        self._size = size
        self._answers: OrderedDict[tuple[str, str, str | None, str | None, str | None], Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def warm_up(self) -> None:
        """Warm up the service behind the cache."""
        self._inner.warm_up()

    def answer(
        self,
        question: str,
        *,
        lang: Lang,
        topic: str | None = None,
        region: str | None = None,
        previous: str | None = None,
    ) -> Answer:
        """The cached answer to this question in this context, else the service's (then remembered)."""
        key = (" ".join(question.split()), lang, topic, region, previous.strip() if previous else None)
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None:
                self._answers.move_to_end(key)
                self.hits += 1
                return cached
            self.misses += 1
        answer = self._inner.answer(question, lang=lang, topic=topic, region=region, previous=previous)
        if self._size > 0:
            with self._lock:
                self._answers[key] = answer
                while len(self._answers) > self._size:
                    self._answers.popitem(last=False)
        return answer


def build_knowledge_service(index_dir: Path, embedding_model: str) -> AnswersQuestions:
    """Build the real knowledge service; imported here so the action package loads without it."""
    from knowledge.service import build_knowledge_service as build

    return build(index_dir, embedding_model)
