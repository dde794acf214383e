"""Erasing a conversation from Rasa's SQL tracker store (Rasa keeps every message a farmer typed there)."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from core.errors import NonghuiError

log = logging.getLogger(__name__)


class TrackerEraseError(NonghuiError):
    """Rasa's tracker store could not be reached or changed."""


class RasaTrackerEraser:
    """Deletes one conversation's events from the `events` table Rasa's SQLTrackerStore writes."""

    def __init__(self, engine: Engine, table: str = "events") -> None:
        if not table.isidentifier():
            raise TrackerEraseError(f"not a table name: {table!r}")
        self._engine = engine
        self._table = table

    def erase(self, sender_id: str) -> int:
        """Delete every stored event of `sender_id`; 0 when Rasa has not created its table yet."""
        try:
            with self._engine.begin() as conn:
                if not self._engine.dialect.has_table(conn, self._table):
                    return 0
                result = conn.execute(text(f"DELETE FROM {self._table} WHERE sender_id = :sid"), {"sid": sender_id})
                return int(result.rowcount or 0)
        except SQLAlchemyError as exc:
            raise TrackerEraseError(f"could not erase a conversation from Rasa's tracker store: {exc}") from exc
