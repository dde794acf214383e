"""What the Telegram channel needs from storage, as synchronous protocols (the store implements them)."""

from __future__ import annotations

from typing import Protocol


class SeenUpdates(Protocol):
    """Remembers which incoming updates were already handled, so repeats are processed once."""

    def mark_seen(self, *, source: str, update_id: int) -> bool:
        """Record the update; return True only the first time this (source, update_id) is seen."""
        ...


class FarmerContacts(Protocol):
    """Records how a farmer reached the bot (deep-link campaign payload, first language)."""

    def record_start(self, *, channel: str, external_id: str, payload: str | None, lang: str | None) -> None:
        """Remember that the farmer `external_id` on `channel` started the bot with `payload`."""
        ...
