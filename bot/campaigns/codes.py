"""Campaign QR codes a channel's platform makes through its API (WeChat's parametric codes), kept per placement
in the shared channel state so links, posters and the console find them again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.channel import CampaignCode, CampaignCodeMaker, ChannelAdapter, SharedState

CODES_SCOPE = "campaign-codes"


def code_makers(channels: Sequence[ChannelAdapter]) -> list[CampaignCodeMaker]:
    """The channels that make their own campaign codes through their platform's API."""
    return [channel for channel in channels if isinstance(channel, CampaignCodeMaker)]


def store_code(state: SharedState, channel: str, placement_code: str, code: CampaignCode) -> None:
    """Keep `code` for the placement (until it expires, for a temporary one)."""
    ttl = None
    if code.expires_at is not None:
        ttl = max(1.0, (code.expires_at - datetime.now(UTC)).total_seconds())
    value = {"url": code.url, "expires_at": code.expires_at.isoformat() if code.expires_at else None}
    state.put(CODES_SCOPE, f"{channel}:{placement_code}", json.dumps(value), ttl=ttl)


def stored_code(state: SharedState, channel: str, placement_code: str) -> CampaignCode | None:
    """The placement's code on `channel`, or None when none was made (or it expired)."""
    value = state.get(CODES_SCOPE, f"{channel}:{placement_code}")
    if not value:
        return None
    data = json.loads(value)
    expires = datetime.fromisoformat(data["expires_at"]) if data.get("expires_at") else None
    return CampaignCode(url=str(data["url"]), expires_at=expires)
