"""After a farmer confirmed deleting their data, their conversation is erased from Rasa's tracker store too."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.dialogue import DialogueEngine
from bot.messages import TurnResult, UserTurn
from core.intents import Intent

log = logging.getLogger(__name__)

# The intent of the "yes, delete my data" button; the action server deletes the stored data in that turn.
CONFIRM_DELETE_INTENT = Intent.CONFIRM_DELETE_DATA


class ErasesConversations(Protocol):
    """Removes a conversation's history from the dialogue engine's storage (store.rasa_tracker in production)."""

    def erase(self, sender_id: str) -> int:
        """Delete the stored history of `sender_id`; return how many records went."""
        ...


class ConversationErasure:
    """A DialogueEngine decorator: a confirmed deletion also erases the Rasa conversation (raw typed ID, phone)."""

    def __init__(self, inner: DialogueEngine, eraser: ErasesConversations) -> None:
        self._inner = inner
        self._eraser = eraser

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Answer the turn; when it confirmed a deletion, erase the conversation after Rasa has saved it."""
        result = await self._inner.handle(turn)
        if result.intent is not None and result.intent.name == CONFIRM_DELETE_INTENT:
            try:
                erased = await asyncio.to_thread(self._eraser.erase, turn.sender_id)
                log.info("erased %d stored conversation events after a data deletion", erased)
            except Exception:
                log.exception("could not erase the conversation after a data deletion")
        return result


class AllErasers:
    """Erases a conversation from several stores (Rasa's tracker, the form guard's memory) in turn."""

    def __init__(self, *erasers: ErasesConversations) -> None:
        self._erasers = erasers

    def erase(self, sender_id: str) -> int:
        """Erase `sender_id` from every store; the records erased in all."""
        return sum(eraser.erase(sender_id) for eraser in self._erasers)
