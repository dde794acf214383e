"""Builds the action server's collaborators lazily, so nothing heavy happens at import or before serving."""

from __future__ import annotations

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


def build_knowledge_service(index_dir: Path, embedding_model: str) -> AnswersQuestions:
    """Build the real knowledge service; imported here so the action package loads without it."""
    from knowledge.service import build_knowledge_service as build

    return build(index_dir, embedding_model)
