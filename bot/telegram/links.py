"""Telegram deep links that carry a campaign payload (`/start <payload>`)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from bot.channel import START_PARAMETER, LinkError

_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}[Bb][Oo][Tt]$")


def telegram_link(bot_username: str, payload: str) -> str:
    """`https://t.me/<bot>?start=<payload>`; LinkError for a username Telegram would not accept."""
    name = bot_username.strip().removeprefix("@")
    if not _BOT_USERNAME.match(name):
        raise LinkError(f"{bot_username!r} is not a Telegram bot username (5–32 characters ending in 'bot')")
    return f"https://t.me/{name}?{urlencode({START_PARAMETER: payload})}"
