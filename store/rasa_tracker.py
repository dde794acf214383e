"""Erasing conversations from Rasa's SQL tracker store (Rasa keeps every message a farmer typed there).

This is the one adapter that touches the tracker store: one conversation (after a submit, cancel or deletion) and
every conversation's events older than the configured age. A different tracker store gets its own adapter with
the same two methods (`bot.erasure.ErasesConversations`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from core.errors import NonghuiError

log = logging.getLogger(__name__)

SESSION_STARTED = "session_started"


class TrackerEraseError(NonghuiError):
    """Rasa's tracker store could not be reached or changed."""


class RasaTrackerEraser:
    """Deletes events from the `events` table Rasa's SQLTrackerStore writes."""

    def __init__(self, engine: Engine, table: str = "events") -> None:
        if not table.isidentifier():
            raise TrackerEraseError(f"not a table name: {table!r}")
        self._engine = engine
        self._table = table

    def erase(self, sender_id: str) -> int:
        """Delete every stored event of `sender_id`; 0 when Rasa has not created its table yet."""
        return self._delete(f"DELETE FROM {self._table} WHERE sender_id = :sid", {"sid": sender_id})

    def erase_older_than(self, cutoff: datetime) -> int:
        """Delete every conversation's events from before `cutoff`.

        Rasa appends a turn's new events after counting those of the current session, so an event of a session
        still in use is only deleted together with its whole conversation (all of it older than `cutoff`);
        events before a conversation's latest session start are never counted and go on their own.
        """
        table = self._table
        statement = (
            f"DELETE FROM {table} WHERE timestamp < :cutoff AND ("
            f" sender_id IN (SELECT sender_id FROM {table} GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"
            f" OR timestamp < (SELECT MAX(s.timestamp) FROM {table} s"
            f"  WHERE s.sender_id = {table}.sender_id AND s.type_name = :started))"
        )
        return self._delete(statement, {"cutoff": cutoff.timestamp(), "started": SESSION_STARTED})

    def _delete(self, statement: str, params: dict[str, object]) -> int:
        try:
            with self._engine.begin() as conn:
                if not self._engine.dialect.has_table(conn, self._table):
                    return 0
                result = conn.execute(text(statement), params)
                return int(result.rowcount or 0)
        except SQLAlchemyError as exc:
            raise TrackerEraseError(f"could not erase from Rasa's tracker store: {type(exc).__name__}") from exc
