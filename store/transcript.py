"""The conversation transcript: records turns and reads them back for staff and reports."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.db import session_scope
from store.models import ConversationTurn, Farmer

Direction = Literal["in", "out", "staff", "system"]
MAX_TEXT = 4000


@dataclass(frozen=True)
class TurnRecord:
    """One message to store; `text` must already have personal data masked."""

    channel: str
    external_id: str
    direction: Direction
    text: str
    intent: str | None = None
    confidence: float | None = None
    topic: str | None = None
    answered: bool | None = None
    sources: Sequence[str] = field(default_factory=tuple)
    scam_level: str | None = None


@dataclass(frozen=True)
class StoredTurn:
    """One message read back from the transcript."""

    id: int
    direction: Direction
    text: str
    intent: str | None
    topic: str | None
    answered: bool | None
    sources: list[str]
    scam_level: str | None
    created_at: datetime


class SqlTranscript:
    """Stores conversation turns in `conversation_turns`, linked to the farmer when known."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record_turns(self, records: Sequence[TurnRecord]) -> None:
        """Store several messages of one conversation in one transaction, in order."""
        if not records:
            return
        with session_scope(self._sessions) as session:
            farmer_ids: dict[tuple[str, str], int | None] = {}
            for record in records:
                key = (record.channel, record.external_id)
                if key not in farmer_ids:
                    farmer_ids[key] = _farmer_id(session, *key)
                session.add(
                    ConversationTurn(
                        farmer_id=farmer_ids[key],
                        channel=record.channel,
                        external_id=record.external_id,
                        direction=record.direction,
                        text=record.text[:MAX_TEXT],
                        intent=record.intent,
                        confidence=record.confidence,
                        topic=record.topic,
                        answered=record.answered,
                        sources=json.dumps(list(record.sources), ensure_ascii=False) if record.sources else None,
                        scam_level=record.scam_level,
                    )
                )

    def transcript(self, *, channel: str, external_id: str, limit: int = 200) -> list[StoredTurn]:
        """The last `limit` messages of one conversation, oldest first."""
        with session_scope(self._sessions) as session:
            rows = session.scalars(
                select(ConversationTurn)
                .where(ConversationTurn.channel == channel, ConversationTurn.external_id == external_id)
                .order_by(ConversationTurn.id.desc())
                .limit(limit)
            ).all()
            return [_stored(row) for row in reversed(rows)]


def _farmer_id(session: Session, channel: str, external_id: str) -> int | None:
    return session.scalar(select(Farmer.id).where(Farmer.channel == channel, Farmer.external_id == external_id))


def _stored(row: ConversationTurn) -> StoredTurn:
    return StoredTurn(
        id=row.id,
        direction=row.direction,  # type: ignore[arg-type]
        text=row.text,
        intent=row.intent,
        topic=row.topic,
        answered=row.answered,
        sources=json.loads(row.sources) if row.sources else [],
        scam_level=row.scam_level,
        created_at=row.created_at,
    )
