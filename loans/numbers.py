"""Numbers as farmers type them: Arabic, Chinese (三万, 两万五, 叁万), mixed (3万5, 2.5万), 3w, 30k, English words."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict

MAX_INPUT_CHARS = 300
MAX_TOKEN_CHARS = 16  # longer digit runs are phone, ID or card numbers, never an amount or a term

CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "k": 1000}
BIG_UNITS: dict[str, int] = {"万": 10_000, "萬": 10_000, "w": 10_000}
_CN = "".join(CN_DIGITS) + "十拾百佰千仟万萬"
_ARABIC = r"\d+(?:\.\d+)?"
_TOKEN = re.compile(rf"(?:{_ARABIC}|[{_CN}])+(?:[wk](?![a-z]))?")
_ELEMENT = re.compile(rf"{_ARABIC}|.")
# A trailing number glued to an amount and followed by a time unit: "3万3年" is 3万 + 3年, not 33000 years.
_GLUED_TAIL = re.compile(rf"^(.*[万萬千仟wk])({_ARABIC}|[{''.join(CN_DIGITS)}])$")

_YEAR_AFTER = re.compile(r"\s*(?:年|周年|years?\b|yrs?\b|y\b)")
_MONTH_AFTER = re.compile(r"\s*(?:个多月|个月|個月|月|months?\b|mos?\b|mths?\b)")
_YUAN_AFTER = re.compile(r"\s*(?:块钱|元|块|圆|yuan\b|rmb\b|cny\b|kuai\b)")
_HALF_AFTER_YEAR = re.compile(r"半")
_HALF_YEAR = re.compile(rf"(?<![\d{_CN}])半年|half\s+a\s+year")

_EN_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_WORD = "|".join([*_EN_ONES, *_EN_TENS, "hundred", "thousand"])
_EN_NUMBER = re.compile(rf"\b(?:{_EN_WORD})(?:(?:\s+|-|\s+and\s+)(?:{_EN_WORD}))*\b")
_DIGITS_THOUSAND = re.compile(rf"({_ARABIC})\s*(?:thousand|grand)\b")

Unit = Literal["year", "month", "yuan"]


class Quantity(BaseModel):
    """A number found in free text, with the unit written after it (if any)."""

    model_config = ConfigDict(frozen=True)

    value: Decimal
    unit: Unit | None
    scaled: bool  # the number itself carried a multiplier (万, 千, w, k): "3万" is clearly an amount
    start: int


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, thousands separators and currency signs removed."""
    text = unicodedata.normalize("NFKC", text)[:MAX_INPUT_CHARS].lower()
    text = re.sub(r"(?<=\d)[,，](?=\d{3}\b)", "", text)
    text = re.sub(r"(?<=\d)[,，](?=\d{3}\D|\d{3}$)", "", text)
    text = text.replace("¥", " ").replace("￥", " ")
    text = re.sub(r"(?<=\d)\s+(?=[万萬千仟百佰wk](?![a-z]))", "", text)
    text = _DIGITS_THOUSAND.sub(lambda m: _plain(Decimal(m.group(1)) * 1000), text)
    return _english_numbers_to_digits(text)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _english_numbers_to_digits(text: str) -> str:
    def convert(match: re.Match[str]) -> str:
        total = 0
        current = 0
        for word in re.split(r"[\s-]+", match.group(0)):
            if word == "and":
                continue
            if word in _EN_ONES:
                current += _EN_ONES[word]
            elif word in _EN_TENS:
                current += _EN_TENS[word]
            elif word == "hundred":
                current = (current or 1) * 100
            elif word == "thousand":
                total += (current or 1) * 1000
                current = 0
        return str(total + current)

    return _EN_NUMBER.sub(convert, text)


def parse_number(token: str) -> Decimal | None:
    """Value of one number token such as "两万五", "3万5", "2.5万", "30k", "叁万"; None if malformed or absurd."""
    if len(token) > MAX_TOKEN_CHARS:
        return None
    total = Decimal(0)
    section = Decimal(0)
    current: Decimal | None = None
    single_digit = False  # `current` is one digit written right after a unit: 两万五 means 25000
    saw_zero = False
    last_unit = 0
    for element in _ELEMENT.findall(token):
        if element[0].isdigit():
            if current is not None:
                return None
            try:
                current = Decimal(element)
            except InvalidOperation:
                return None
            single_digit = last_unit > 0 and len(element) == 1
        elif element in CN_DIGITS:
            digit = CN_DIGITS[element]
            saw_zero = saw_zero or digit == 0
            if current is None:
                current = Decimal(digit)
                single_digit = last_unit > 0
            else:
                current = current * 10 + digit
                single_digit = False
        elif element in SMALL_UNITS:
            unit = SMALL_UNITS[element]
            if section and 0 < last_unit < unit:  # "二十五千": the whole section so far counts thousands
                section = (section + (current or 0)) * unit
            else:
                section += (current if current is not None else Decimal(1)) * unit
            current, last_unit = None, unit
        elif element in BIG_UNITS:
            base = total + section + (current or 0)
            total = (base if base else Decimal(1)) * BIG_UNITS[element]
            section, current, last_unit = Decimal(0), None, BIG_UNITS[element]
        else:
            return None
    if current is not None:
        if single_digit and not saw_zero and last_unit >= 10:
            current = current * last_unit / 10
        section += current
    return total + section


def find_quantities(text: str) -> list[Quantity]:
    """Every number in `text` (already normalised or not), with the unit that follows it."""
    text = normalise(text)
    found: list[Quantity] = []
    for match in _TOKEN.finditer(text):
        token, end = match.group(0), match.end()
        unit = _unit_after(text, end)
        glued = _GLUED_TAIL.match(token)
        if unit in ("year", "month") and glued:
            head = parse_number(glued.group(1))
            if head is not None:
                found.append(Quantity(value=head, unit=None, scaled=True, start=match.start()))
            token = glued.group(2)
        value = parse_number(token)
        if value is None:
            continue
        if unit == "year" and _HALF_AFTER_YEAR.match(text, _YEAR_AFTER.match(text, end).end()):  # type: ignore[union-attr]
            value += Decimal("0.5")
        scaled = any(ch in token for ch in "万萬千仟wk")
        found.append(
            Quantity(
                value=value, unit=unit or _currency_before(text, match.start()), scaled=scaled, start=match.start()
            )
        )
    for match in _HALF_YEAR.finditer(text):
        found.append(Quantity(value=Decimal("0.5"), unit="year", scaled=False, start=match.start()))
    return sorted(found, key=lambda q: q.start)


def _unit_after(text: str, end: int) -> Unit | None:
    if _YEAR_AFTER.match(text, end):
        return "year"
    if _MONTH_AFTER.match(text, end):
        return "month"
    if _YUAN_AFTER.match(text, end):
        return "yuan"
    return None


def _currency_before(text: str, start: int) -> Unit | None:
    return "yuan" if re.search(r"(?:rmb|cny|人民币)\s*$", text[max(0, start - 6) : start]) else None
