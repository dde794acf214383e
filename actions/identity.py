"""Who the farmer is on their channel, read from the Rasa sender id (`tg:<chat id>` or `web:<id>`)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.turn import latest_metadata

_PREFIXES: dict[str, str] = {"tg": "telegram", "telegram": "telegram", "web": "web"}


def farmer_identity(tracker: Tracker) -> tuple[str, str]:
    """(channel, external id) as the store keys farmers: `tg:42` → ("telegram", "42")."""
    sender = tracker.sender_id or ""
    prefix, sep, rest = sender.partition(":")
    if sep and prefix in _PREFIXES and rest:
        return _PREFIXES[prefix], rest
    channel = latest_metadata(tracker).get("channel")
    return (channel if channel in ("telegram", "web") else "web"), sender


def is_telegram(tracker: Tracker) -> bool:
    """True when the farmer writes through Telegram (which can share a contact)."""
    return farmer_identity(tracker)[0] == "telegram"
