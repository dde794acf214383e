"""Records every farmer turn and the bot's replies in the transcript (masked), without ever failing a turn."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from bot.dialogue import DialogueEngine
from bot.messages import TurnResult, UserTurn
from bot.privacy import mask_personal_data
from core.intents import QUESTION_INTENTS, QUESTION_TOPIC_BY_INTENT
from store.transcript import TurnRecord

log = logging.getLogger(__name__)


class RecordsTurns(Protocol):
    """Where transcript records go (store.transcript.SqlTranscript in production)."""

    def record_turns(self, records: Sequence[TurnRecord]) -> None:
        """Store the records in order."""
        ...


class TranscriptRecorder:
    """A DialogueEngine decorator that stores the farmer's turn and every reply after the inner engine answered."""

    def __init__(self, inner: DialogueEngine, transcript: RecordsTurns) -> None:
        self._inner = inner
        self._transcript = transcript

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Answer the turn, then record it; a storage failure is logged and the farmer still gets the answer."""
        result = await self._inner.handle(turn)
        try:
            await asyncio.to_thread(self._transcript.record_turns, records_for(turn, result))
        except Exception:
            log.exception("could not record a conversation turn")
        return result


def records_for(turn: UserTurn, result: TurnResult) -> list[TurnRecord]:
    """The transcript records of one turn: the farmer's message, then each reply, all masked."""
    channel, external_id = turn.channel, turn.external_id
    intent = result.intent.name if result.intent else None
    confidence = result.intent.confidence if result.intent else None
    sources = [_source_label(ref.title, ref.locator) for reply in result.replies for ref in reply.sources]
    answered = bool(sources) if intent in QUESTION_INTENTS else None  # a question counts answered with a source
    inbound = TurnRecord(
        channel=channel,
        external_id=external_id,
        direction="in",
        text=mask_personal_data(turn.text),
        intent=intent,
        confidence=confidence,
        topic=QUESTION_TOPIC_BY_INTENT.get(intent or "", "other" if intent else None),
        answered=answered,
        scam_level=result.scam.level if result.scam else None,
    )
    replies = [
        TurnRecord(
            channel=channel,
            external_id=external_id,
            direction="out",
            text=mask_personal_data(reply.text),
            sources=[_source_label(ref.title, ref.locator) for ref in reply.sources],
        )
        for reply in result.replies
        if reply.text
    ]
    return [inbound, *replies]


def _source_label(title: str, locator: str) -> str:
    return f"{title} {locator}".strip()
