"""Web-chat links that carry a campaign payload (`?start=<payload>`)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from bot.channel import START_PARAMETER, LinkError


def web_link(base_url: str, payload: str) -> str:
    """The web chat page with `?start=<payload>` (the page sends it as `start_payload` with its first turn)."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LinkError(f"{base_url!r} is not an http(s) address of the web chat")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode({START_PARAMETER: payload}), ""))
