"""Test doubles for dialogue engines and the knowledge base."""

from __future__ import annotations

from bot.errors import DialogueUnavailable
from bot.messages import BotReply, IntentInfo, TurnResult, UserTurn
from bot.web.identity import WebIdentity
from core.lang import Lang
from knowledge.answer_types import Answer


class RecordingEngine:
    """Answers every turn with a fixed reply and remembers the turns it saw."""

    def __init__(self, reply: str = "好的", lang: Lang = "zh", intent: str | None = "ask_loan") -> None:
        self.turns: list[UserTurn] = []
        self.reply = reply
        self.lang: Lang = lang
        self.intent = intent

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.turns.append(turn)
        intent = IntentInfo(name=self.intent, confidence=0.9) if self.intent else None
        return TurnResult(replies=[BotReply(text=self.reply)], intent=intent, lang=self.lang)


class DownEngine:
    """Always unavailable, like Rasa when its server is stopped."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error or DialogueUnavailable("Rasa unreachable")
        self.calls = 0

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.calls += 1
        raise self.error


class FakeKnowledge:
    """Returns a fixed answer and records the questions it was asked."""

    def __init__(self, answer: Answer | None = None, error: Exception | None = None) -> None:
        self._answer = answer
        self._error = error
        self.questions: list[tuple[str, Lang, str | None]] = []

    def warm_up(self) -> None:
        pass

    def answer(
        self,
        question: str,
        *,
        lang: Lang,
        topic: str | None = None,
        region: str | None = None,
        previous: str | None = None,
    ) -> Answer:
        self.questions.append((question, lang, topic))
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        return self._answer


# Trusted-integration access to the web chat API in tests: the key, its header and an identity that accepts it.
TEST_API_KEY = "test-api-key-0123456789abcdefghijklmnop"
API_HEADERS = {"Authorization": f"Bearer {TEST_API_KEY}"}


def trusted_identity() -> WebIdentity:
    """A web identity that accepts `TEST_API_KEY` (random cookie-signing key)."""
    return WebIdentity.ephemeral(api_key=TEST_API_KEY)
