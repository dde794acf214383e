"""Small expiring values a channel shares between bot workers, kept in the database (one row per scope + key).

Every bot worker sees the same values, so an access token is fetched once, a retried push is answered once and the
buttons offered to a farmer are known whichever worker receives the reply. `add` and `swap` are atomic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow
from store.db import as_utc, session_scope
from store.models import ChannelStateEntry

MAX_KEY = 160


class SqlChannelState:
    """Get, put, add-if-absent and compare-and-swap of text values with an optional time to live."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def _expiry(self, ttl: float | None) -> datetime | None:
        return None if ttl is None else self._clock() + timedelta(seconds=ttl)

    def get(self, scope: str, key: str) -> str | None:
        """The value, or None when absent or expired."""
        with session_scope(self._sessions) as session:
            row = session.get(ChannelStateEntry, (scope, key[:MAX_KEY]))
            if row is None or self._expired(row):
                return None
            return row.value

    def put(self, scope: str, key: str, value: str, *, ttl: float | None = None) -> None:
        """Set the value (replacing any), living `ttl` seconds (None: until replaced)."""
        expires = self._expiry(ttl)
        for attempt in range(2):
            try:
                with session_scope(self._sessions) as session:
                    row = session.get(ChannelStateEntry, (scope, key[:MAX_KEY]))
                    if row is None:
                        session.add(ChannelStateEntry(scope=scope, key=key[:MAX_KEY], value=value, expires_at=expires))
                    else:
                        row.value, row.expires_at = value, expires
                return
            except IntegrityError:
                if attempt:  # a concurrent insert won twice: give up loudly
                    raise

    def add(self, scope: str, key: str, value: str, *, ttl: float | None = None) -> bool:
        """Set the value only when absent or expired; True when this call set it (atomic across workers)."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            session.execute(
                delete(ChannelStateEntry).where(
                    ChannelStateEntry.scope == scope,
                    ChannelStateEntry.key == key[:MAX_KEY],
                    ChannelStateEntry.expires_at.is_not(None),
                    ChannelStateEntry.expires_at <= now,
                )
            )
        try:
            with session_scope(self._sessions) as session:
                session.add(
                    ChannelStateEntry(scope=scope, key=key[:MAX_KEY], value=value, expires_at=self._expiry(ttl))
                )
        except IntegrityError:
            return False
        return True

    def swap(self, scope: str, key: str, expected: str, value: str, *, ttl: float | None = None) -> bool:
        """Replace the value only while it is still `expected`; True when this call replaced it (atomic)."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            result = session.execute(
                update(ChannelStateEntry)
                .where(
                    ChannelStateEntry.scope == scope,
                    ChannelStateEntry.key == key[:MAX_KEY],
                    ChannelStateEntry.value == expected,
                    or_(ChannelStateEntry.expires_at.is_(None), ChannelStateEntry.expires_at > now),
                )
                .values(value=value, expires_at=self._expiry(ttl))
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def discard(self, scope: str, key: str) -> None:
        """Remove the value if present."""
        with session_scope(self._sessions) as session:
            session.execute(
                delete(ChannelStateEntry).where(
                    ChannelStateEntry.scope == scope, ChannelStateEntry.key == key[:MAX_KEY]
                )
            )

    def purge_expired(self) -> int:
        """Delete expired values; returns how many."""
        with session_scope(self._sessions) as session:
            result = session.execute(
                delete(ChannelStateEntry).where(
                    ChannelStateEntry.expires_at.is_not(None), ChannelStateEntry.expires_at <= self._clock()
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def _expired(self, row: ChannelStateEntry) -> bool:
        expires = as_utc(row.expires_at)
        return expires is not None and expires <= self._clock()
