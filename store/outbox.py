"""Outbox: messages for farmers (staff replies, status news, rating requests) kept until a channel delivers them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow
from store.db import as_utc, session_scope
from store.models import OutboxMessage

MAX_ATTEMPTS = 8
_ERROR_CHARS = 200
# `last_error` of a message held until the farmer writes again (a channel that may only answer within a window).
WAITING_FOR_FARMER = "waiting_for_farmer"
_WAIT_DAYS = 3650


class OutboxButton(BaseModel):
    """A button under an outbox message; `payload` comes back as the farmer's turn when tapped."""

    model_config = ConfigDict(frozen=True)

    title: str
    payload: str


class NewMessage(BaseModel):
    """What to send: to whom (channel + id without prefix), the text, buttons and a key that prevents repeats."""

    model_config = ConfigDict(frozen=True)

    channel: str
    external_id: str
    kind: str
    text: str
    lang: str
    buttons: list[OutboxButton] = []
    handoff_id: int | None = None
    dedupe_key: str | None = None


class OutboxItem(BaseModel):
    """A stored outbox message."""

    model_config = ConfigDict(frozen=True)

    id: int
    channel: str
    external_id: str
    kind: str
    text: str
    lang: str
    buttons: list[OutboxButton]
    handoff_id: int | None
    created_at: datetime
    attempts: int


class SqlOutbox:
    """The outbox table: enqueue, fetch pending for a channel, mark delivered or failed, read for web polling."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def enqueue(self, message: NewMessage) -> int:
        """Store `message` and return its id; a message with an already used `dedupe_key` is stored once."""
        try:
            with session_scope(self._sessions) as session:
                return add_message(session, message, self._clock())
        except IntegrityError:
            with session_scope(self._sessions) as session:
                existing = session.scalar(
                    select(OutboxMessage.id).where(OutboxMessage.dedupe_key == message.dedupe_key)
                )
                if existing is None:
                    raise
                return int(existing)

    def pending(self, channel: str, *, limit: int = 50) -> list[OutboxItem]:
        """Undelivered messages of `channel` that are due, oldest first."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.channel == channel,
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                    or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
            return [_item(row) for row in rows]

    def mark_delivered(self, message_id: int) -> None:
        """Record that the message reached the channel."""
        with session_scope(self._sessions) as session:
            row = session.get(OutboxMessage, message_id)
            if row is not None and row.delivered_at is None:
                row.delivered_at = self._clock()

    def mark_attempt_failed(self, message_id: int, error: str) -> bool:
        """Count a failed send; retry later with back-off, give up after MAX_ATTEMPTS. True when given up."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:
                return True
            row.attempts += 1
            row.last_error = error[:_ERROR_CHARS]
            if row.attempts >= MAX_ATTEMPTS:
                row.failed_at = now
                return True
            row.next_attempt_at = now + timedelta(seconds=min(300, 2**row.attempts))
            return False

    def mark_waiting(self, message_id: int) -> None:
        """Hold the message until the farmer writes again (`release_waiting`); no attempt is counted."""
        with session_scope(self._sessions) as session:
            row = session.get(OutboxMessage, message_id)
            if row is not None and row.delivered_at is None:
                row.last_error = WAITING_FOR_FARMER
                row.next_attempt_at = self._clock() + timedelta(days=_WAIT_DAYS)

    def release_waiting(self, channel: str, external_id: str) -> int:
        """Make the held messages of a conversation due now (the farmer wrote); returns how many."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            rows = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.channel == channel,
                    OutboxMessage.external_id == external_id,
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                    OutboxMessage.last_error == WAITING_FOR_FARMER,
                )
            )
            released = 0
            for row in rows:
                row.next_attempt_at = now
                row.last_error = None
                released += 1
            return released

    def waiting_count(self, channel: str, external_id: str) -> int:
        """How many messages of a conversation wait for the farmer to write again."""
        with session_scope(self._sessions) as session:
            rows = session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.channel == channel,
                    OutboxMessage.external_id == external_id,
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                    OutboxMessage.last_error == WAITING_FOR_FARMER,
                )
            )
            return len(list(rows))

    def for_conversation(self, channel: str, external_id: str, *, after: int = 0, limit: int = 50) -> list[OutboxItem]:
        """Messages for one conversation with id > `after` (the web chat's polling), marking them delivered."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            rows = list(
                session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.channel == channel,
                        OutboxMessage.external_id == external_id,
                        OutboxMessage.id > after,
                    )
                    .order_by(OutboxMessage.id)
                    .limit(limit)
                )
            )
            for row in rows:
                if row.delivered_at is None:
                    row.delivered_at = now
            return [_item(row) for row in rows]

    def get(self, message_id: int) -> OutboxItem | None:
        """One message by id."""
        with session_scope(self._sessions) as session:
            row = session.get(OutboxMessage, message_id)
            return _item(row) if row else None


def add_message(session: Session, message: NewMessage, now: datetime) -> int:
    """Insert an outbox row inside the caller's transaction (so a status change and its notice commit together)."""
    row = OutboxMessage(
        channel=message.channel,
        external_id=message.external_id,
        kind=message.kind,
        text=message.text,
        buttons=json.dumps([b.model_dump() for b in message.buttons], ensure_ascii=False),
        lang=message.lang,
        handoff_id=message.handoff_id,
        dedupe_key=message.dedupe_key,
        created_at=now,
        attempts=0,
    )
    session.add(row)
    session.flush()
    return row.id


def _item(row: OutboxMessage) -> OutboxItem:
    buttons = [OutboxButton.model_validate(b) for b in json.loads(row.buttons or "[]")]
    return OutboxItem(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        kind=row.kind,
        text=row.text,
        lang=row.lang,
        buttons=buttons,
        handoff_id=row.handoff_id,
        created_at=as_utc(row.created_at),
        attempts=row.attempts,
    )
