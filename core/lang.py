"""The farmer's languages and language detection for short messages (Chinese vs English)."""

from __future__ import annotations

import re
from typing import Final, Literal

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT_LANG: Final[Lang] = "zh"

# A placeholder the bot put in for something the farmer typed (a personal number's handle, `⟦id:7f3a…⟧`): it
# says nothing about the farmer's language.
_PLACEHOLDER = re.compile(r"⟦[^⟧]*⟧")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def as_lang(value: object, default: Lang = DEFAULT_LANG) -> Lang:
    """`value` when it names a language ("zh" or "en"), else `default`."""
    if value == "en":
        return "en"
    if value == "zh":
        return "zh"
    return default


def detect_lang(text: str) -> Lang | None:
    """Return "zh" or "en" when the text shows a language, None for emoji, numbers or payloads."""
    stripped = _PLACEHOLDER.sub(" ", text).strip()
    if not stripped or stripped.startswith("/"):
        return None
    cjk = len(_CJK.findall(stripped))
    latin_letters = sum(len(word) for word in _LATIN_WORD.findall(stripped))
    if cjk == 0 and latin_letters == 0:
        return None
    # One Chinese character carries roughly as much as a short English word.
    return "zh" if cjk * 3 >= latin_letters else "en"
