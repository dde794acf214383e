"""What the Telegram channel needs from storage, as synchronous protocols (the store implements them)."""

from __future__ import annotations

from typing import Protocol

from bot.arrivals import FarmerContacts

__all__ = ["FarmerContacts", "SeenUpdates"]


class SeenUpdates(Protocol):
    """Remembers which incoming updates were already handled, so repeats are processed once."""

    def mark_seen(self, *, source: str, update_id: int) -> bool:
        """Record the update; return True only the first time this (source, update_id) is seen."""
        ...
