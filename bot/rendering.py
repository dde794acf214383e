"""Channel-neutral rendering of the dialogue's replies: long texts split into parts, source lines.

Every channel renders `BotReply` values with these; only the keyboard or widget for buttons is its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.messages import BotReply, SourceRef
from core.lang import Lang

# A message size every chat channel accepts (Telegram allows 4096 UTF-16 units); channels pass their own limit.
DEFAULT_LIMIT = 4096

# From coarse to fine: paragraphs, lines, sentence ends, spaces. Each entry: (split pattern, joiner).
_SPLIT_LEVELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\n\n"), "\n\n"),
    (re.compile(r"\n"), "\n"),
    (re.compile(r"(?<=[。！？；!?;.])"), ""),
    (re.compile(r"(?<=\s)"), ""),
)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it (an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def utf8_length(text: str) -> int:
    """Length in UTF-8 bytes, as WeChat counts it (a Chinese character counts three)."""
    return len(text.encode("utf-8"))


def split_message(text: str, limit: int = DEFAULT_LIMIT, measure: Callable[[str], int] = utf16_length) -> list[str]:
    """Split `text` into parts of at most `limit` units of `measure` (UTF-16 units unless told), preferring
    paragraph, line, then sentence breaks."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    parts = _split(text, limit, 0, measure)
    return [part for part in parts if part.strip()] or ([text] if text else [])


def _split(text: str, limit: int, level: int, measure: Callable[[str], int]) -> list[str]:
    if measure(text) <= limit:
        return [text]
    if level >= len(_SPLIT_LEVELS):
        return _hard_cut(text, limit, measure)
    pattern, joiner = _SPLIT_LEVELS[level]
    chunks: list[str] = []
    current = ""
    for piece in pattern.split(text):
        candidate = f"{current}{joiner}{piece}" if current else piece
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if measure(piece) > limit:
            chunks.extend(_split(piece, limit, level + 1, measure))
            current = ""
        else:
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        width = measure(char)
        if used + width > limit:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += width
    if current:
        chunks.append("".join(current))
    return chunks


def format_source(source: SourceRef, lang: Lang) -> str:
    """One compact source line, e.g. `📖 来源：《title》 locator` or `📖 Source: title, locator`."""
    if lang == "zh":
        line = f"📖 来源：《{source.title}》"
        if source.locator:
            line += f" {source.locator}"
    else:
        line = f"📖 Source: {source.title}"
        if source.locator:
            line += f", {source.locator}"
    if source.url:
        line += f" {source.url}"
    return line


def reply_text(reply: BotReply, lang: Lang) -> str:
    """The reply's text followed by one line per distinct source."""
    lines: list[str] = []
    for source in reply.sources:
        line = format_source(source, lang)
        if line not in lines:
            lines.append(line)
    body = reply.text.strip()
    if not lines:
        return body
    sources = "\n".join(lines)
    return f"{body}\n\n{sources}" if body else sources
