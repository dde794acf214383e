"""Repositories: the store's operations the bot calls (they satisfy bot/telegram/ports.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow
from store.db import session_scope
from store.models import Farmer, ProcessedUpdate, StartEvent

MAX_PAYLOAD = 64


class SqlSeenUpdates:
    """Remembers which incoming updates were processed (de-duplication by update id)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def mark_seen(self, *, source: str, update_id: int) -> bool:
        """Record the update; True only the first time this (source, update_id) is seen."""
        try:
            with session_scope(self._sessions) as session:
                session.add(ProcessedUpdate(source=source, update_id=update_id))
        except IntegrityError:
            return False
        return True


class SqlFarmerContacts:
    """Creates or updates farmers and records their arrivals with deep-link payloads."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record_start(self, *, channel: str, external_id: str, payload: str | None, lang: str | None) -> None:
        """Upsert the farmer and store this arrival (payload kept for campaign attribution)."""
        payload = payload[:MAX_PAYLOAD] if payload else None
        for attempt in range(2):
            try:
                with session_scope(self._sessions) as session:
                    farmer = _get_or_create(session, channel, external_id)
                    farmer.last_seen = utcnow()
                    if lang:
                        farmer.lang = lang
                    if payload:
                        farmer.first_start_payload = farmer.first_start_payload or payload
                        farmer.last_start_payload = payload
                    session.flush()
                    session.add(StartEvent(farmer_id=farmer.id, payload=payload))
                return
            except IntegrityError:
                if attempt:  # a concurrent insert of the same farmer won twice: give up loudly
                    raise

    def start_payloads(self, *, channel: str, external_id: str) -> list[str | None]:
        """Payloads of every arrival of a farmer, oldest first."""
        with session_scope(self._sessions) as session:
            farmer = session.scalar(select(Farmer).where(Farmer.channel == channel, Farmer.external_id == external_id))
            if farmer is None:
                return []
            rows = session.scalars(
                select(StartEvent.payload).where(StartEvent.farmer_id == farmer.id).order_by(StartEvent.id)
            )
            return list(rows)


def _get_or_create(session: Session, channel: str, external_id: str) -> Farmer:
    farmer = session.scalar(select(Farmer).where(Farmer.channel == channel, Farmer.external_id == external_id))
    if farmer is None:
        farmer = Farmer(channel=channel, external_id=external_id)
        session.add(farmer)
    return farmer
