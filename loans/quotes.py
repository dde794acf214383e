"""Repayment quotes for free questions such as "借3万3年每年还多少" (used by the answer actions)."""

from __future__ import annotations

import re
from typing import Protocol

from core.lang import Lang
from core.text import bi
from loans.calculator import parse_loan_question, quote, quote_text
from loans.ruleset import RuleSet, load_rules

OVER_CAP = bi(
    "注意：脱贫人口小额信贷一般每户最多 {cap_wan} 万元、最长 {cap_years} 年；超出的部分要按普通贷款问银行。",
    "Note: the microcredit is usually at most {cap} yuan for up to {cap_years} years per household; "
    "anything beyond that is an ordinary bank loan.",
)


# A repayment quote is for borrowing: an amount and a span alone are not enough ("每户交五千块会员费，一年后返一万"
# is a scam report, "入股一万一年分红两千" a question about fund-raising).
_BORROWING = re.compile(r"(借|贷|loan|borrow)", re.IGNORECASE)


class QuotesRepayments(Protocol):
    """What actions need: a compact repayment text when the question names an amount and a term."""

    def quote_for(self, question: str, lang: Lang) -> str | None:
        """The repayment text, or None when the question is not a repayment question."""
        ...


class RepaymentQuotes:
    """Answers repayment questions with the calculator under the region's rules (loaded once, lazily)."""

    def __init__(self, region: str = "national") -> None:
        self._region = region
        self._rules: RuleSet | None = None

    def quote_for(self, question: str, lang: Lang) -> str | None:
        """Quote both schedules when the question gives an amount and a term; otherwise None."""
        if not _BORROWING.search(question):
            return None
        asked = parse_loan_question(question)
        if asked is None or asked.amount_yuan is None or asked.term_months is None:
            return None
        if self._rules is None:
            self._rules = load_rules(self._region)
        rules = self._rules
        text = quote_text(quote(asked.amount_yuan, asked.term_months, rules), lang, asked.per)
        if asked.amount_yuan > rules.amount.cap_yuan or asked.term_months > rules.term.cap_months:
            note = OVER_CAP.get(lang).format(
                cap=f"{rules.amount.cap_yuan:,}",
                cap_wan=f"{rules.amount.cap_yuan / 10000:g}",
                cap_years=f"{rules.term.cap_months / 12:g}",
            )
            text = f"{text}\n{note}"
        return text
