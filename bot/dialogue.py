"""The one interface channels use to get the bot's answer to a farmer's turn."""

from __future__ import annotations

from typing import Protocol

from bot.messages import TurnResult, UserTurn


class DialogueEngine(Protocol):
    """Answers a farmer's turn (Rasa behind HTTP in production; fakes in tests)."""

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Return every reply to `turn`; never raises for a farmer-visible failure."""
        ...
