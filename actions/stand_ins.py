"""Scoring a quoted message that holds handles: each handle becomes a number of the same shape (never the real one).

The scam rules look at the shape of numbers (an account number of 12+ digits, a mobile to call); a handle hides
that shape, so for scoring each handle stands in as a made-up number of its kind. Whatever the verdict quotes is
turned back into the handle, which the bot shows to the farmer masked.
"""

from __future__ import annotations

import re

_HANDLE = re.compile(r"⟦(id|phone|card|num):[a-z]{10}⟧")
_SHAPES = {
    "phone": "1380000{:04d}",
    "id": "11010119000101{:04d}",
    "card": "622200000000000{:04d}",
    "num": "90000{:04d}",
}


def with_stand_ins(text: str) -> tuple[str, dict[str, str]]:
    """`text` with each handle replaced by a made-up number of its kind, and the way back (stand-in → handle)."""
    back: dict[str, str] = {}

    def stand_in(match: re.Match[str]) -> str:
        number = _SHAPES[match.group(1)].format(len(back) + 1)
        back[number] = match.group(0)
        return number

    return _HANDLE.sub(stand_in, text), back


def without_stand_ins(text: str, back: dict[str, str]) -> str:
    """`text` with the stand-ins turned back into their handles."""
    for number, handle in back.items():
        text = text.replace(number, handle)
    return text
