"""Timestamps for video answers: "02:13" labels and links that open a video at a given second."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_YOUTUBE_HOSTS = ("youtube.com", "youtu.be", "youtube-nocookie.com")
_MEDIA_SUFFIXES = (".mp4", ".m4v", ".webm", ".ogv", ".ogg", ".mov", ".mp3", ".m4a", ".m3u8")


def format_timestamp(seconds: float) -> str:
    """Clock label for a position in a video: "mm:ss", or "h:mm:ss" from one hour on."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def parse_duration(value: object) -> float | None:
    """Seconds from a catalogue duration: a number of seconds or "mm:ss" / "h:mm:ss"; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    parts = str(value).strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(p.replace(".", "", 1).isdigit() for p in parts):
        raise ValueError(f"not a duration: {value!r}")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def timestamp_url(url: str, seconds: float) -> str:
    """Link that starts the video at `seconds`: `t=` on YouTube-like and web pages, `#t=` for media files."""
    start = max(0, int(seconds))
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    if host == "vimeo.com" or host.endswith(".vimeo.com"):
        return urlunsplit(parts._replace(fragment=f"t={start}s" if start else ""))
    if path.endswith(_MEDIA_SUFFIXES):  # W3C media fragment, understood by browsers' video players
        return urlunsplit(parts._replace(fragment=f"t={start}" if start else ""))
    is_youtube = any(host == h or host.endswith("." + h) for h in _YOUTUBE_HOSTS)
    key = "start" if is_youtube and path.startswith("/embed/") else "t"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    if start:
        query.append((key, str(start)))
    return urlunsplit(parts._replace(query=urlencode(query)))
