"""Typed answer composed from retrieved passages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from core.lang import Lang
from knowledge.types import Passage


@dataclass(frozen=True)
class SourceInfo:
    """A cited source: document title, locator (section or timestamp) and optional URL."""

    title: str
    locator: str
    url: str | None = None


@dataclass(frozen=True)
class Answer:
    """A short farmer-facing answer with its sources; `confident` is False when the bot should abstain."""

    text: str
    lang: Lang
    confident: bool
    sources: list[SourceInfo] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    topic: str | None = None


class AnswersQuestions(Protocol):
    """What actions and the bot's fallback need from the knowledge base."""

    def warm_up(self) -> None:
        """Load index and models now rather than on the first question."""
        ...

    def answer(
        self,
        question: str,
        *,
        lang: Lang,
        topic: str | None = None,
        region: str | None = None,
        previous: str | None = None,
    ) -> Answer:
        """Return a short sourced answer, or one with `confident=False` when the corpus does not answer.

        `previous` is the farmer's previous question in this conversation, if any: a follow-up such as
        "那要多久还？" is read together with it."""
        ...
