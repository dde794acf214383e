"""Cutting a section's text into phone-sized chunks."""

from __future__ import annotations

import re

MAX_CHUNK_CHARS = 420


def split_long(text: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    """Split text longer than `limit` characters on paragraph, then sentence boundaries."""
    if len(text) <= limit:
        return [text]
    units = [u for u in re.split(r"(?<=[。！？!?；;])\s*|\n+", text) if u.strip()]
    pieces: list[str] = []
    current = ""
    for unit in units:
        if current and len(current) + len(unit) > limit:
            pieces.append(current.strip())
            current = ""
        current += unit if not current or current.endswith(("。", "！", "？")) else " " + unit
    if current.strip():
        pieces.append(current.strip())
    return pieces
