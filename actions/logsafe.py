"""Keeps personal data (ID card numbers, phone numbers) out of the action server's logs."""

from __future__ import annotations

import re

# Six or more digits, optionally ending in the ID-card check letter X: phones, ID numbers, bank cards.
_LONG_NUMBER = re.compile(r"\d[\d\s-]{4,}\d[Xx]?")
MAX_LOGGED_CHARS = 200


def redact(text: str) -> str:
    """Mask long digit runs and cut the text short, so an error message can be logged safely."""
    return _LONG_NUMBER.sub("[number]", text)[:MAX_LOGGED_CHARS]
