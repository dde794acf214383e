"""Records arrivals (a turn carrying a deep-link payload) on any channel before handing the turn on."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.dialogue import DialogueEngine
from bot.messages import TurnResult, UserTurn

log = logging.getLogger(__name__)

# Metadata keys a channel sets on an arrival turn: the deep-link payload, and True when the channel already
# recorded the arrival itself (Telegram records `/start` before the turn reaches the pipeline).
START_PAYLOAD = "start_payload"
ARRIVAL_RECORDED = "arrival_recorded"


class FarmerContacts(Protocol):
    """Records how a farmer reached the bot (deep-link campaign payload, first language)."""

    def record_start(self, *, channel: str, external_id: str, payload: str | None, lang: str | None) -> None:
        """Remember that the farmer `external_id` on `channel` started the bot with `payload`."""
        ...


class ArrivalRecorder:
    """A DialogueEngine decorator: a turn carrying `start_payload` is stored as an arrival (unless already)."""

    def __init__(self, inner: DialogueEngine, contacts: FarmerContacts) -> None:
        self._inner = inner
        self._contacts = contacts

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Record the arrival (never failing the turn because of it), then answer the turn."""
        if START_PAYLOAD in turn.metadata and not turn.metadata.get(ARRIVAL_RECORDED):
            payload = turn.metadata.get(START_PAYLOAD)
            try:
                await asyncio.to_thread(
                    self._contacts.record_start,
                    channel=turn.channel,
                    external_id=turn.external_id,
                    payload=str(payload) if payload else None,
                    lang=turn.lang,
                )
            except Exception:
                log.exception("could not record a %s arrival", turn.channel)
        return await self._inner.handle(turn)
