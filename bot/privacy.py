"""Finding personal numbers (mobile, resident ID, bank card) in a farmer's text, and masking them.

Every format the form's validators accept is found: `+86` / `0086` / `86` prefixes, spaces, dashes, dots and
brackets between digits, full-width digits and letters, a lower-case `x` check character. The text is read one
character at a time through NFKC, so positions in the original text are kept (a full-width `１` is found where it
is). `find_personal_numbers` gives the spans (the handle vault replaces them); `mask_personal_data` replaces them
with `<phone>`, `<id-number>`, `<card-number>` or `<number>` before text reaches a log line or the transcript.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

NumberKind = Literal["id", "phone", "card", "num"]

# Separators a farmer types between digit groups (after NFKC: full-width space, dash and brackets become ASCII).
_SEP = r"[\s\-–—‐‑−.·•()（）]{0,3}"
# A run of digits joined by separators, with an optional country prefix and an optional ID check letter.
_RUN = re.compile(
    rf"(?<![0-9A-Za-z])(?:(?:\+|00)\s?86{_SEP})?\d(?:{_SEP}\d){{6,}}(?:{_SEP}[Xx])?(?![0-9A-Za-z])",
)
_SPLIT = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"[^0-9Xx+]")
_PHONE = re.compile(r"1[3-9]\d{9}")
_ID18 = re.compile(r"\d{17}[\dX]")
_MIN_NUMBER_DIGITS = 9  # shorter runs are amounts, dates, hotlines (96110), years; never personal numbers
_MASKS: dict[NumberKind, str] = {"id": "<id-number>", "phone": "<phone>", "card": "<card-number>", "num": "<number>"}


@dataclass(frozen=True)
class NumberSpan:
    """A personal number found at `text[start:end]`, its kind and its digits without separators or prefix."""

    kind: NumberKind
    start: int
    end: int
    digits: str


def fold_characters(text: str) -> str:
    """`text` with each character replaced by its NFKC form when that is one character (same length)."""
    folded = []
    for ch in text:
        if ch.isascii():
            folded.append(ch)
            continue
        normal = unicodedata.normalize("NFKC", ch)
        folded.append(normal if len(normal) == 1 else ch)
    return "".join(folded)


def classify(raw: str) -> tuple[NumberKind, str] | None:
    """The kind of one number as typed (separators allowed) and its bare digits, or None when it is none of ours."""
    compact = _NOT_DIGIT.sub("", raw).upper()
    bare = compact.lstrip("+")
    for prefix in ("0086", "86"):
        rest = bare.removeprefix(prefix)
        if rest != bare and _PHONE.fullmatch(rest) and (prefix == "0086" or compact.startswith("+") or len(bare) == 13):
            return "phone", rest
    if compact.startswith("+"):
        return None
    if _PHONE.fullmatch(bare):
        return "phone", bare
    if _ID18.fullmatch(bare) and _plausible_id(bare):
        return "id", bare
    if "X" in bare[:-1]:
        return None
    if bare.endswith("X"):
        return ("id", bare) if len(bare) == 18 else None
    if len(bare) == 15:
        return "id", bare
    if 16 <= len(bare) <= 19:
        return "card", bare
    if len(bare) >= _MIN_NUMBER_DIGITS:
        return "num", bare
    return None


def _plausible_id(number: str) -> bool:
    """An 18-character number whose characters 7–14 are a date (so 18-digit card numbers stay cards)."""
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return 1800 <= int(number[6:10]) <= 2100


def find_personal_numbers(text: str) -> list[NumberSpan]:
    """Every mobile, resident ID, bank card or other long number in `text`, left to right, not overlapping."""
    folded = fold_characters(text)
    spans: list[NumberSpan] = []
    for match in _RUN.finditer(folded):
        spans.extend(_spans_in_run(folded, match.start(), match.end()))
    return spans


def _spans_in_run(folded: str, start: int, end: int) -> list[NumberSpan]:
    """A run classified whole, or else split at whitespace into numbers typed one after another."""
    whole = classify(folded[start:end])
    if whole is not None and whole[0] != "num":
        return [NumberSpan(whole[0], start, end, whole[1])]
    if sum(ch.isdigit() for ch in folded[start:end]) < _MIN_NUMBER_DIGITS:
        return []
    split = _split_run(folded, start, end)
    if whole is not None and all(span.kind == "num" for span in split):
        return [NumberSpan(whole[0], start, end, whole[1])]
    return split


def _split_run(folded: str, start: int, end: int) -> list[NumberSpan]:
    """Numbers typed one after another with spaces between: the best-ranked reading from the left."""
    pieces = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", folded[start:end])]
    found: list[NumberSpan] = []
    i = 0
    while i < len(pieces):
        best: tuple[int, NumberSpan] | None = None
        for j in range(len(pieces) - 1, i - 1, -1):
            got = classify(folded[pieces[i][0] : pieces[j][1]])
            if got is not None and (best is None or _rank(got[0]) < _rank(best[1].kind)):
                best = (j, NumberSpan(got[0], pieces[i][0], pieces[j][1], got[1]))
        if best is None:
            piece = folded[pieces[i][0] : pieces[i][1]]
            if sum(ch.isdigit() for ch in piece) >= 5:  # a leftover part of a number is still hidden
                found.append(NumberSpan("num", pieces[i][0], pieces[i][1], _NOT_DIGIT.sub("", piece)))
            i += 1
            continue
        found.append(best[1])
        i = best[0] + 1
    return found


def _rank(kind: NumberKind) -> int:
    return ("phone", "id", "card", "num").index(kind)


def mask_personal_data(text: str) -> str:
    """Return `text` with mainland mobile numbers, resident ID numbers, bank-card and other long numbers replaced."""
    spans = find_personal_numbers(text)
    if not spans:
        return text
    parts: list[str] = []
    cursor = 0
    for span in spans:
        parts.append(text[cursor : span.start])
        parts.append(_MASKS[span.kind])
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)
