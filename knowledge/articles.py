"""Article numbers of Chinese laws and regulations (第十七条, 第十二条之一): reading and comparing them."""

from __future__ import annotations

import re
from typing import NamedTuple

NUMERAL = r"[一二三四五六七八九十百千零〇两\d]+"
# An article number anywhere in a text: "第十七条", "第十二条之一" (not the 款 or 项 that may follow it).
ARTICLE_REF = re.compile(rf"第({NUMERAL})条(?:之({NUMERAL}))?")
_ENGLISH_REF = re.compile(r"\barticle\s+(\d+)(?:-(\d+))?\b", re.IGNORECASE)
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_DIGITS.update({str(d): d for d in range(10)})
_UNITS = {"十": 10, "百": 100, "千": 1000}


class ArticleNumber(NamedTuple):
    """An article's number and, for inserted articles (第十二条之一), the sub-number (else 0)."""

    number: int
    sub: int = 0

    def english(self) -> str:
        """ "17" or "12-1" (the form used after "Article")."""
        return f"{self.number}-{self.sub}" if self.sub else str(self.number)


def chinese_number(text: str) -> int:
    """Value of a Chinese (二十七, 一百零三, 两千) or Arabic numeral; ValueError for other characters."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            raise ValueError(f"not a numeral: {text!r}")
    return total + (digit or 0)


def parse_article(text: str) -> ArticleNumber | None:
    """The first article number in the text ("第十二条之一" → (12, 1)), None when there is none."""
    match = ARTICLE_REF.search(text)
    if match is None:
        return None
    return ArticleNumber(chinese_number(match.group(1)), chinese_number(match.group(2)) if match.group(2) else 0)


def article_tokens(text: str) -> list[str]:
    """One search token per article number in the text ("§17", "§12-1"): an exact match that bigrams blur.

    As character bigrams 第十七条 and 第二十七条 share most of their tokens; these tokens do not. English
    "Article 17" gives the same token."""
    tokens = []
    for match in [*ARTICLE_REF.finditer(text), *_ENGLISH_REF.finditer(text)]:
        number = ArticleNumber(chinese_number(match.group(1)), chinese_number(match.group(2)) if match.group(2) else 0)
        tokens.append(f"§{number.english()}")
    return tokens
