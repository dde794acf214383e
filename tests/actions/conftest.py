"""Fakes and builders shared by the action tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from rasa_sdk import Tracker

from core.errors import NonghuiError
from core.lang import Lang
from knowledge.answer_types import Answer, SourceInfo


@dataclass
class Question:
    """One call the fake knowledge service received."""

    text: str
    lang: Lang
    topic: str | None
    region: str | None
    previous: str | None = None


@dataclass
class FakeKnowledge:
    """An AnswersQuestions that returns a prepared answer (or raises) and records every question."""

    answer_text: str = "扶贫小额信贷一般每户5万元以内，具体看当地政策。"
    confident: bool = True
    sources: list[SourceInfo] = field(
        default_factory=lambda: [SourceInfo(title="小额信贷指南", locator="第2节", url="https://example.org/loan")]
    )
    error: Exception | None = None
    questions: list[Question] = field(default_factory=list)
    warmed: int = 0
    answer_topic: str | None = None

    def warm_up(self) -> None:
        self.warmed += 1

    def answer(
        self,
        question: str,
        *,
        lang: Lang,
        topic: str | None = None,
        region: str | None = None,
        previous: str | None = None,
    ) -> Answer:
        self.questions.append(Question(question, lang, topic, region, previous))
        if self.error is not None:
            raise self.error
        return Answer(
            text=self.answer_text,
            lang=lang,
            confident=self.confident,
            sources=self.sources,
            topic=self.answer_topic or topic,
        )


class IndexMissingError(NonghuiError):
    """Raised by the fake when asked to behave like a service without its index."""


def make_tracker(
    text: str | None,
    *,
    intent: str | None = None,
    lang: str | None = "zh",
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A rasa-sdk tracker whose latest user message is `text` with `intent`, and `lang` slot set."""
    latest_message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9} if intent else {},
        "entities": [],
        "metadata": metadata,
    }
    return Tracker(
        sender_id="test-farmer",
        slots={"lang": lang},
        latest_message=latest_message,
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture
def knowledge() -> FakeKnowledge:
    return FakeKnowledge()
