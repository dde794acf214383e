"""Erasing conversations from Rasa's tracker store: after a data deletion, a sent or cancelled form, and by age.

All erasing goes through `ErasesConversations` (store.rasa_tracker in production), so a different tracker store
only needs its own adapter. Requests that could not be carried out stay in the database and are retried.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.dialogue import DialogueEngine
from bot.messages import BotReply, TurnResult, UserTurn
from bot.texts import text
from core.clock import Clock, utcnow
from core.intents import Intent

log = logging.getLogger(__name__)

# The intent of the "yes, delete my data" button; the action server deletes the stored data in that turn.
CONFIRM_DELETE_INTENT = Intent.CONFIRM_DELETE_DATA
SETTLED_AFTER = timedelta(minutes=5)


class ErasesConversations(Protocol):
    """Removes conversation history from the dialogue engine's storage (store.rasa_tracker in production)."""

    def erase(self, sender_id: str) -> int:
        """Delete the stored history of `sender_id`; return how many records went."""
        ...

    def erase_older_than(self, cutoff: datetime) -> int:
        """Delete every conversation's history from before `cutoff`; return how many records went."""
        ...


class KeepsErasureRequests(Protocol):
    """Conversations waiting for erasure and the numbers sealed for them (store.number_drafts.NumberVault)."""

    def purge_requested(self, conversation: str) -> bool:
        """True when the conversation waits for erasure (its form was sent or cancelled)."""
        ...

    def request_purge(self, conversation: str, reason: str) -> None:
        """Keep a request to erase the conversation (retried until it succeeds)."""
        ...

    def pending_purges(self, requested_before: datetime | None = None, limit: int = 500) -> list[str]:
        """Conversations still waiting for erasure (asked for before `requested_before`)."""
        ...

    def purge_done(self, conversation: str) -> None:
        """Drop the conversation's request."""
        ...

    def forget(self, conversation: str) -> int:
        """Delete the numbers sealed for the conversation."""
        ...

    def expire(self) -> int:
        """Delete numbers sealed longer ago than their time to live."""
        ...


class ConversationErasure:
    """A DialogueEngine decorator: after a confirmed deletion, or a form sent or cancelled (the action server
    asked for it), the conversation is erased from Rasa once Rasa has saved the turn. A deletion also erases what
    `also_on_deletion` keeps (the form guard's memory, which a sent form still needs to answer a re-tap)."""

    def __init__(
        self,
        inner: DialogueEngine,
        eraser: ErasesConversations,
        requests: KeepsErasureRequests | None = None,
        also_on_deletion: ErasesOneConversation | None = None,
    ) -> None:
        self._inner = inner
        self._eraser = eraser
        self._requests = requests
        self._also = also_on_deletion

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Answer the turn; erase the conversation when due, and say so honestly when a deletion's erasure failed."""
        result = await self._inner.handle(turn)
        deletion = result.intent is not None and result.intent.name == CONFIRM_DELETE_INTENT
        if deletion or await asyncio.to_thread(self._requested, turn.sender_id):
            erased = await asyncio.to_thread(erase_conversation, self._eraser, self._requests, turn.sender_id)
            if deletion and self._also is not None:
                erased = await asyncio.to_thread(_erase_more, self._also, turn.sender_id) and erased
            if deletion and not erased:
                note = BotReply(text=text("tracker_not_erased", result.lang))
                result = result.model_copy(update={"replies": [*result.replies, note]})
        return result

    def _requested(self, sender_id: str) -> bool:
        if self._requests is None:
            return False
        try:
            return self._requests.purge_requested(sender_id)
        except Exception as exc:
            log.error("could not read pending conversation erasures: %s", type(exc).__name__)
            return False


def erase_conversation(eraser: ErasesConversations, requests: KeepsErasureRequests | None, sender_id: str) -> bool:
    """Erase one conversation and its sealed numbers; on failure keep (or leave) the request for a retry."""
    try:
        erased = eraser.erase(sender_id)
        log.info("erased %d stored conversation events", erased)
        if requests is not None:
            requests.forget(sender_id)
            requests.purge_done(sender_id)
        return True
    except Exception as exc:
        log.error("could not erase a conversation from the tracker store: %s", type(exc).__name__)
        if requests is not None:
            try:
                requests.request_purge(sender_id, "retry")
            except Exception as again:
                log.error("could not keep the erasure request either: %s", type(again).__name__)
        return False


@dataclass(frozen=True)
class SweepReport:
    """What one sweep erased: retried conversations, old tracker events, expired number drafts."""

    conversations: int
    old_events: int
    drafts: int


class TrackerSweeper:
    """Erases tracker events older than `max_age` for everyone, retries pending erasures, expires drafts."""

    def __init__(
        self,
        eraser: ErasesConversations,
        requests: KeepsErasureRequests,
        *,
        max_age: timedelta,
        clock: Clock = utcnow,
    ) -> None:
        self._eraser = eraser
        self._requests = requests
        self._max_age = max_age
        self._clock = clock

    def sweep(self) -> SweepReport:
        """One pass; each part failing is logged and the others still run."""
        # A request younger than a turn may belong to a turn Rasa has not saved yet: the turn's own stage erases it.
        settled = self._clock() - SETTLED_AFTER
        conversations = 0
        try:
            for sender in self._requests.pending_purges(requested_before=settled):
                conversations += erase_conversation(self._eraser, self._requests, sender)
        except Exception as exc:
            log.error("could not read pending conversation erasures: %s", type(exc).__name__)
        old_events = drafts = 0
        try:
            old_events = self._eraser.erase_older_than(self._clock() - self._max_age)
        except Exception as exc:
            log.error("could not erase old tracker events: %s", type(exc).__name__)
        try:
            drafts = self._requests.expire()
        except Exception as exc:
            log.error("could not expire number drafts: %s", type(exc).__name__)
        if conversations or old_events or drafts:
            log.info(
                "tracker sweep: %d conversations, %d old events, %d number drafts erased",
                conversations,
                old_events,
                drafts,
            )
        return SweepReport(conversations, old_events, drafts)

    async def run(self, interval_seconds: float) -> None:
        """Sweep now and then every `interval_seconds` until cancelled."""
        while True:
            await asyncio.to_thread(self.sweep)
            await asyncio.sleep(interval_seconds)


class ErasesOneConversation(Protocol):
    """Another store that keeps something of a conversation (the form guard's memory)."""

    def erase(self, sender_id: str) -> int:
        """Delete what is kept of `sender_id`; return how many records went."""
        ...


def _erase_more(store: ErasesOneConversation, sender_id: str) -> bool:
    """Erase the conversation from one more store; False (logged) when that failed."""
    try:
        store.erase(sender_id)
        return True
    except Exception as exc:
        log.error("could not erase a conversation from a store: %s", type(exc).__name__)
        return False
