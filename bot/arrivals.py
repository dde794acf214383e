"""Records web-chat arrivals (with their deep-link payload) before handing the turn on."""

from __future__ import annotations

import asyncio
import logging

from bot.dialogue import DialogueEngine
from bot.messages import TurnResult, UserTurn
from bot.telegram.ports import FarmerContacts

log = logging.getLogger(__name__)


class ArrivalRecorder:
    """A DialogueEngine decorator: a web turn carrying `start_payload` is stored as an arrival."""

    def __init__(self, inner: DialogueEngine, contacts: FarmerContacts) -> None:
        self._inner = inner
        self._contacts = contacts

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Record the arrival (never failing the turn because of it), then answer the turn."""
        if turn.channel == "web" and "start_payload" in turn.metadata:
            payload = turn.metadata.get("start_payload")
            try:
                await asyncio.to_thread(
                    self._contacts.record_start,
                    channel="web",
                    external_id=turn.sender_id.removeprefix("web:"),
                    payload=str(payload) if payload else None,
                    lang=turn.lang,
                )
            except Exception:
                log.exception("could not record a web arrival")
        return await self._inner.handle(turn)
