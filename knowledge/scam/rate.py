"""Private-lending interest: annualise the rate a message states or implies and compare it with 4 × LPR."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.errors import NonghuiError
from knowledge.scam.rules import DATA_DIR

DEFAULT_LPR_PATH = DATA_DIR / "lpr.yaml"

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
}
_MULTIPLIERS = {"万": 10_000.0, "千": 1_000.0, "百": 100.0, "k": 1_000.0, "w": 10_000.0}
_DAYS_PER_UNIT = {
    "天": 1.0,
    "日": 1.0,
    "周": 7.0,
    "星期": 7.0,
    "个月": 30.0,
    "月": 30.0,
    "年": 365.0,
    "day": 1.0,
    "week": 7.0,
    "month": 30.0,
    "year": 365.0,
}

_NUM = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|[零一二两三四五六七八九十]+)"
_AMOUNT = rf"[¥￥$£]?\s*(?P<num>{_NUM})\s*(?P<mult>万|千|百|k|w)?\s*(?:元|块钱|块|yuan|rmb|dollars|pounds)?"
_PRINCIPAL = re.compile(
    rf"(?:借给(?:你|您)|借(?:你|您)|借了?|贷了?|借款|贷款|放款|borrow(?:ed)?|loan(?: of)?|lend(?: you)?)\s*{_AMOUNT}",
    re.IGNORECASE,
)
_RECEIVED = re.compile(
    rf"(?:到手|实际到账|实际拿到|实际放款|只给|实到|receive only|get only)\s*{_AMOUNT}", re.IGNORECASE
)
_REPAY = re.compile(rf"(?:还款|归还|还|repay|pay back|pay)\s*(?:you\s*|me\s*|us\s*)?{_AMOUNT}", re.IGNORECASE)
_TERM = re.compile(
    r"(?P<n>\d+(?:\.\d+)?|[零一二两三四五六七八九十半]+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
    r"\s*(?:个)?\s*(?P<unit>天|日|周|星期|个月|月|年|days?|weeks?|months?|years?)(?![a-z])",
    re.IGNORECASE,
)
_INSTALMENTS = re.compile(
    r"(?:分|共|还)\s*(?P<n>\d+|[一二两三四五六七八九十]+)\s*(?:期|个月)|for\s+(?P<en>\d+)\s+months", re.IGNORECASE
)
_PER_PERIOD = re.compile(r"(每个?月|每期|月供|per month|a month|each month|monthly)", re.IGNORECASE)
_STATED = [
    # (pattern, multiplier to an annual fraction given the matched number)
    (re.compile(r"(?:年化|年利率|年息|年利息)\s*(?:利率)?\s*(?:为|是|高达|约)?\s*(?P<v>\d+(?:\.\d+)?)\s*%"), 0.01),
    (re.compile(r"(?:月息|月利率|月利息|每月利息)\s*(?:为|是)?\s*(?P<v>\d+(?:\.\d+)?)\s*%"), 0.12),
    (re.compile(r"(?:月息|月利率)\s*(?P<v>\d+(?:\.\d+)?|[一二两三四五六七八九十]+)\s*分"), 0.12),
    (re.compile(r"(?P<v>\d+(?:\.\d+)?|[一二两三四五六七八九十]+)\s*分(?:利|息)"), 0.12),
    (re.compile(r"(?:日息|日利率|日利息|每天利息|每日利息)\s*(?:为|是)?\s*(?P<v>\d+(?:\.\d+)?)\s*%"), 3.65),
    (re.compile(r"(?:日息|日利率)\s*万分之\s*(?P<v>\d+(?:\.\d+)?)"), 0.0365),
    (re.compile(r"(?:日息|日利率)\s*(?P<v>\d+(?:\.\d+)?)\s*‰"), 0.365),
    (re.compile(r"(?P<v>\d+(?:\.\d+)?)\s*%\s*(?:interest\s*)?(?:a|per|each)\s*month", re.IGNORECASE), 0.12),
    (re.compile(r"(?P<v>\d+(?:\.\d+)?)\s*%\s*(?:interest\s*)?(?:a|per|each)\s*week", re.IGNORECASE), 0.52),
    (re.compile(r"(?P<v>\d+(?:\.\d+)?)\s*%\s*(?:interest\s*)?(?:a|per|each)\s*day", re.IGNORECASE), 3.65),
    (re.compile(r"(?P<v>\d+(?:\.\d+)?)\s*%\s*(?:interest\s*)?(?:a|per|each)\s*year", re.IGNORECASE), 0.01),
    (
        re.compile(
            r"(?:apr|annual (?:interest )?rate|interest rate)\s*(?:of|is|:)?\s*(?P<v>\d+(?:\.\d+)?)\s*%", re.IGNORECASE
        ),
        0.01,
    ),
    (re.compile(r"monthly (?:interest|rate)\s*(?:of|is|:)?\s*(?P<v>\d+(?:\.\d+)?)\s*%", re.IGNORECASE), 0.12),
    (re.compile(r"daily (?:interest|rate)\s*(?:of|is|:)?\s*(?P<v>\d+(?:\.\d+)?)\s*%", re.IGNORECASE), 3.65),
]


class LprConfigError(NonghuiError):
    """The LPR data file is missing or malformed."""


@dataclass(frozen=True)
class LprConfig:
    """The one-year LPR in force and the multiplier that gives the private-lending cap."""

    one_year_lpr_percent: float
    date: str
    cap_multiplier: float = 4.0

    @property
    def cap(self) -> float:
        """The annual cap as a fraction (e.g. 0.12 for 12 %)."""
        return self.one_year_lpr_percent * self.cap_multiplier / 100.0

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_LPR_PATH) -> LprConfig:
        """Load the LPR value and its date from the data file."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(
                one_year_lpr_percent=float(raw["one_year_lpr_percent"]),
                date=str(raw["date"]),
                cap_multiplier=float(raw.get("cap_multiplier", 4)),
            )
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise LprConfigError(f"cannot read LPR config {path.name}: {exc}") from exc


@dataclass(frozen=True)
class RateFinding:
    """An annual interest rate found in a message and the words it was computed from."""

    annual_rate: float
    evidence: str


def _number(token: str) -> float | None:
    """Parse Arabic digits or a small Chinese numeral (up to 99) or an English number word."""
    token = token.strip().replace(",", "")
    if not token:
        return None
    if token.lower() in _EN_NUMBERS:
        return float(_EN_NUMBERS[token.lower()])
    if token == "半":
        return 0.5
    try:
        return float(token)
    except ValueError:
        pass
    if "十" in token:
        tens, _, ones = token.partition("十")
        tens_value = _CN_DIGITS.get(tens, 1) if tens else 1
        ones_value = _CN_DIGITS.get(ones, 0) if ones else 0
        return float(tens_value * 10 + ones_value)
    if all(char in _CN_DIGITS for char in token):
        value = 0
        for char in token:
            value = value * 10 + _CN_DIGITS[char]
        return float(value)
    return None


def _amount(found: re.Match[str]) -> float | None:
    value = _number(found.group("num"))
    if value is None:
        return None
    multiplier = found.group("mult")
    return value * _MULTIPLIERS.get(multiplier.lower(), 1.0) if multiplier else value


def _term_days(text: str) -> tuple[float, str] | None:
    found = _TERM.search(text)
    if not found:
        return None
    count = _number(found.group("n"))
    unit = found.group("unit").lower().rstrip("s")
    if count is None or count <= 0:
        return None
    return count * _DAYS_PER_UNIT[unit], found.group(0)


def _instalment_rate(principal: float, payment: float, periods: int) -> float:
    """Monthly rate r solving principal = payment × (1 − (1 + r)^−n) / r, by bisection."""
    if payment * periods <= principal:
        return 0.0
    low, high = 1e-9, 5.0
    for _ in range(200):
        mid = (low + high) / 2
        present = payment * (1 - (1 + mid) ** -periods) / mid
        if present > principal:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _stated_rate(text: str) -> RateFinding | None:
    best: RateFinding | None = None
    for pattern, factor in _STATED:
        for found in pattern.finditer(text):
            value = _number(found.group("v"))
            if value is None:
                continue
            rate = value * factor
            if best is None or rate > best.annual_rate:
                best = RateFinding(annual_rate=rate, evidence=found.group(0).strip())
    return best


def _amount_rate(text: str) -> RateFinding | None:
    principal_match = _PRINCIPAL.search(text)
    if not principal_match:
        return None
    principal = _amount(principal_match)
    if not principal or principal <= 0:
        return None
    rest = text[principal_match.end() :]
    received_match = _RECEIVED.search(rest)
    received = _amount(received_match) if received_match else None
    repay_match = _REPAY.search(rest)
    repay = _amount(repay_match) if repay_match else None
    funded = received if received and 0 < received < principal else principal
    instalments = _INSTALMENTS.search(rest)
    if repay is not None and instalments and _PER_PERIOD.search(rest):
        periods = _number(instalments.group("n") or instalments.group("en") or "")
        if periods and periods >= 2:
            monthly = _instalment_rate(funded, repay, int(periods))
            end = principal_match.end() + max(instalments.end(), repay_match.end() if repay_match else 0)
            return RateFinding(annual_rate=monthly * 12.0, evidence=text[principal_match.start() : end].strip())
    term = _term_days(rest)
    if term is None:
        return None
    days, term_words = term
    tail = max(
        [m.end() for m in (received_match, repay_match) if m is not None] + [rest.find(term_words) + len(term_words)]
    )
    evidence = text[principal_match.start() : principal_match.end() + tail]
    if repay is None:
        if funded >= principal:
            return None
        # Interest taken off the top: the whole principal is due after the term.
        return RateFinding(annual_rate=(principal - funded) / funded * 365.0 / days, evidence=evidence.strip())
    # A repayment smaller than the loan for one period is read as that period's interest.
    interest = repay - funded if repay > funded else repay
    rate = interest / funded * 365.0 / days
    return RateFinding(annual_rate=rate, evidence=evidence.strip())


def find_annual_rate(text: str) -> RateFinding | None:
    """Return the highest annual rate a message states or implies by amounts and term, if any."""
    candidates = [finding for finding in (_stated_rate(text), _amount_rate(text)) if finding is not None]
    if not candidates:
        return None
    return max(candidates, key=lambda finding: finding.annual_rate)


def format_percent(fraction: float) -> str:
    """Format a fraction as a short percentage, e.g. 1.44 -> '144%'."""
    percent = fraction * 100.0
    return f"{percent:.0f}%" if percent >= 10 else f"{percent:.1f}%"
