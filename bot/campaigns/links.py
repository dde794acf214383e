"""Links that carry a placement payload: Telegram deep links and web-chat links."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit, urlunsplit

from core.errors import NonghuiError

_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}[Bb][Oo][Tt]$")
START_PARAMETER = "start"


class LinkError(NonghuiError):
    """A bot username or web address that cannot make a working link."""


def telegram_link(bot_username: str, payload: str) -> str:
    """`https://t.me/<bot>?start=<payload>`; LinkError for a username Telegram would not accept."""
    name = bot_username.strip().removeprefix("@")
    if not _BOT_USERNAME.match(name):
        raise LinkError(f"{bot_username!r} is not a Telegram bot username (5–32 characters ending in 'bot')")
    return f"https://t.me/{name}?{urlencode({START_PARAMETER: payload})}"


def web_link(base_url: str, payload: str) -> str:
    """The web chat page with `?start=<payload>` (the page sends it as `start_payload` with its first turn)."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LinkError(f"{base_url!r} is not an http(s) address of the web chat")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode({START_PARAMETER: payload}), ""))
