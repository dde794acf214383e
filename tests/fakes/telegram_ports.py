"""In-memory implementations of the Telegram channel's storage ports (`SeenUpdates`, `FarmerContacts`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass


class InMemorySeenUpdates:
    """`SeenUpdates` kept in a set; thread-safe because the channel calls it via `asyncio.to_thread`."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def mark_seen(self, *, source: str, update_id: int) -> bool:
        """Return True only the first time (source, update_id) is marked."""
        with self._lock:
            key = (source, update_id)
            if key in self._seen:
                return False
            self._seen.add(key)
            return True

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._seen


@dataclass(frozen=True)
class StartRecord:
    """One `record_start` call."""

    channel: str
    external_id: str
    payload: str | None
    lang: str | None


class RecordingContacts:
    """`FarmerContacts` that keeps every `record_start` call in `records`."""

    def __init__(self) -> None:
        self.records: list[StartRecord] = []
        self._lock = threading.Lock()

    def record_start(self, *, channel: str, external_id: str, payload: str | None, lang: str | None) -> None:
        """Append the start to `records`."""
        with self._lock:
            self.records.append(StartRecord(channel, external_id, payload, lang))
