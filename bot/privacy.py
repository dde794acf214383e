"""Masking of personal data (phone numbers, ID numbers, bank cards) before text reaches a log line."""

from __future__ import annotations

import re

# Digits not preceded or followed by another digit, so parts of longer numbers are not matched on their own.
_RESIDENT_ID_18 = re.compile(r"(?<!\d)\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{5}[\dXx](?![\dXx])")
_RESIDENT_ID_15 = re.compile(r"(?<!\d)\d{15}(?!\d)")
_BANK_CARD = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_LONG_DIGITS_WITH_X = re.compile(r"(?<!\d)\d{17}[Xx](?![\dA-Za-z])")


def mask_personal_data(text: str) -> str:
    """Return `text` with mainland mobile numbers, resident ID numbers and bank-card numbers replaced."""
    masked = _RESIDENT_ID_18.sub("<id-number>", text)
    masked = _LONG_DIGITS_WITH_X.sub("<id-number>", masked)
    masked = _BANK_CARD.sub("<card-number>", masked)
    masked = _RESIDENT_ID_15.sub("<id-number>", masked)
    return _MOBILE.sub("<phone>", masked)
