"""What kind of value a question asks for (an amount, a time limit, a share, a phone number) and whether a
text states one: the "expected answer type" of classic question answering, used to pick the passage and the
sentences an answer is cut from."""

from __future__ import annotations

import re
from typing import Literal

AnswerKind = Literal["share", "duration", "amount", "phone"]

_ZH_NUM = r"(\d+(\.\d+)?|[一二两三四五六七八九十百半]+)"
# Order matters: "what share of the premium" is a share, not an amount; "利息多少" asks for a rate.
_ASKS: tuple[tuple[AnswerKind, re.Pattern[str]], ...] = (
    (
        "phone",
        re.compile(
            r"(电话|热线|打(什么|哪个|啥|几)号|号码是|打哪|拨打|\bphone\b|\bhotline\b|\b(which|what) number\b|"
            r"\bnumber (to|should I|do I) (call|ring|dial)\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "share",
        re.compile(
            r"(几成|比例|百分之几|百分之多少|多少%|占多少|贴多少|贴息多少|(利率|利息|年息|月息|费率)[^，。？?]{0,4}(多少|多高|几)|"
            r"\bwhat (share|percentage|percent|proportion|part|fraction|rate)\b|\bhow much of\b|"
            r"\b(interest )?rate\b[^,.?]{0,20}\b(how (much|high)|what)\b|\bhow high\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "duration",
        re.compile(
            r"(多久|多长时间|多长期限|多少天|多少年|多少个月|几年|几个月|几天|几个?钟头|几个?小时|几个工作日|期限多长|时限|"
            r"多长时间内|多快|\bhow (long|soon|quickly|fast)\b|\bhow many (days|hours|months|years|weeks)\b|"
            r"\bwithin how\b|\bdeadline\b|\btime limit\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "amount",
        re.compile(
            r"(多少钱|多少万|[贷借赔补给保拿领还付交罚][^，。？?]{0,3}多少|最多[^，。？?]{0,4}多少|额度[^，。？?]{0,3}多少|"
            r"\bhow much\b|\b(maximum|max|largest|biggest) (amount|loan|sum)\b|\bup to how much\b)",
            re.IGNORECASE,
        ),
    ),
)

_STATES: dict[AnswerKind, re.Pattern[str]] = {
    "phone": re.compile(r"(?<![\d.])(110|120|119|12\d{3}|9\d{4}|400[-\s]?\d{3}[-\s]?\d{4})(?![\d.%年元万天])"),
    "share": re.compile(
        r"(\d+(\.\d+)?\s*%|百分之|" + _ZH_NUM + r"成(?!本|功|立|员|熟)|LPR|" + _ZH_NUM + r"倍|\bpercent\b|\bhalf\b)",
        re.IGNORECASE,
    ),
    "duration": re.compile(
        r"(" + _ZH_NUM + r"\s*(个)?(年|月|天|日|小时|钟头|个工作日|工作日|周|星期)(?!利率|期LPR|期以上)|"
        r"\b\d+(\.\d+)?\s*(-|to\s+)?\s*(years?|months?|days?|hours?|weeks?|working days)\b|"
        r"\b(one|two|three|four|five|six|ten|twelve|thirty|sixty) (years?|months?|days?|hours?|weeks?)\b)",
        re.IGNORECASE,
    ),
    "amount": re.compile(
        r"(" + _ZH_NUM + r"\s*(万元|万|亿元|亿|千元|元|块)|\b\d[\d,]*(\.\d+)?\s*(yuan|rmb)\b|¥\s?\d)", re.IGNORECASE
    ),
}


def asked_kind(question: str) -> AnswerKind | None:
    """The kind of value the question asks for, or None for other questions (yes/no, how-to, what-is)."""
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind
    return None


def states_kind(text: str, kind: AnswerKind) -> bool:
    """Whether the text states a value of that kind (a sum of money, a time span, a share, a hotline)."""
    return _STATES[kind].search(text) is not None
