"""Repayment calculator: equal monthly instalments and interest-only-then-principal, with and without subsidy.

Money is Decimal yuan rounded to the fen; estimates only – the loan contract decides.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.lang import Lang
from core.text import Bilingual, bi
from loans.numbers import find_quantities, normalise
from loans.ruleset import RuleSet
from loans.validation import term_text

Schedule = Literal["equal_instalments", "interest_only"]
Per = Literal["month", "year", "total"]
FEN = Decimal("0.01")
ZERO = Decimal(0)


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


class Payment(BaseModel):
    """One repayment: `month` is counted from the drawdown (1 = one month later)."""

    model_config = ConfigDict(frozen=True)

    month: int
    principal: Decimal
    interest: Decimal
    subsidy: Decimal  # part of `interest` paid by government

    @property
    def farmer_pays(self) -> Decimal:
        """What the farmer pays at this date after the subsidy."""
        return self.principal + self.interest - self.subsidy

    @property
    def before_subsidy(self) -> Decimal:
        """What would be due without any subsidy."""
        return self.principal + self.interest


class RepaymentPlan(BaseModel):
    """Every payment of one schedule, with totals."""

    model_config = ConfigDict(frozen=True)

    schedule: Schedule
    principal: Decimal
    months: int
    annual_rate: Decimal
    subsidy_share: Decimal
    payments: list[Payment]

    @property
    def total_interest(self) -> Decimal:
        """Interest over the whole term before the subsidy."""
        return sum((p.interest for p in self.payments), ZERO)

    @property
    def total_subsidy(self) -> Decimal:
        """Interest paid by government."""
        return sum((p.subsidy for p in self.payments), ZERO)

    @property
    def farmer_interest(self) -> Decimal:
        """Interest the farmer pays after the subsidy."""
        return self.total_interest - self.total_subsidy

    @property
    def total_farmer_pays(self) -> Decimal:
        """Principal plus the farmer's share of interest."""
        return self.principal + self.farmer_interest

    def paid_in_year(self, year: int, *, with_subsidy: bool = True) -> Decimal:
        """What falls due in loan year `year` (1 = months 1–12)."""
        due = [p for p in self.payments if (p.month - 1) // 12 + 1 == year]
        return sum((p.farmer_pays if with_subsidy else p.before_subsidy for p in due), ZERO)


def equal_instalments(
    principal: Decimal, months: int, annual_rate: Decimal, subsidy_share: Decimal = ZERO
) -> RepaymentPlan:
    """Same payment every month (等额本息); the last one absorbs rounding so the balance ends at zero."""
    _check(principal, months, annual_rate, subsidy_share)
    rate = annual_rate / 12
    if rate == 0:
        instalment = _fen(principal / months)
    else:
        growth = (1 + rate) ** months
        instalment = _fen(principal * rate * growth / (growth - 1))
    balance = principal
    payments: list[Payment] = []
    for month in range(1, months + 1):
        interest = _fen(balance * rate)
        part = balance if month == months else min(instalment - interest, balance)
        balance -= part
        payments.append(Payment(month=month, principal=part, interest=interest, subsidy=_fen(interest * subsidy_share)))
    return RepaymentPlan(
        schedule="equal_instalments",
        principal=principal,
        months=months,
        annual_rate=annual_rate,
        subsidy_share=subsidy_share,
        payments=payments,
    )


def interest_only(
    principal: Decimal, months: int, annual_rate: Decimal, subsidy_share: Decimal = ZERO, period_months: int = 3
) -> RepaymentPlan:
    """Interest every `period_months` (a shorter last period if needed), all the principal at maturity."""
    _check(principal, months, annual_rate, subsidy_share)
    if period_months < 1:
        raise ValueError("period_months must be at least 1")
    payments: list[Payment] = []
    start = 0
    while start < months:
        end = min(start + period_months, months)
        interest = _fen(principal * annual_rate * (end - start) / 12)
        payments.append(
            Payment(
                month=end,
                principal=principal if end == months else ZERO,
                interest=interest,
                subsidy=_fen(interest * subsidy_share),
            )
        )
        start = end
    return RepaymentPlan(
        schedule="interest_only",
        principal=principal,
        months=months,
        annual_rate=annual_rate,
        subsidy_share=subsidy_share,
        payments=payments,
    )


def _check(principal: Decimal, months: int, annual_rate: Decimal, subsidy_share: Decimal) -> None:
    if principal <= 0 or months < 1 or annual_rate < 0 or not ZERO <= subsidy_share <= 1:
        raise ValueError("principal and months must be positive, the rate non-negative, the subsidy share in [0, 1]")


class Quote(BaseModel):
    """Both schedules for one amount and term under a rule profile."""

    model_config = ConfigDict(frozen=True)

    principal: Decimal
    months: int
    annual_rate: Decimal
    rate_basis: Bilingual
    subsidy_share: Decimal
    subsidy_varies: bool
    period_months: int
    interest_only: RepaymentPlan
    equal_instalments: RepaymentPlan


def quote(amount_yuan: int, months: int, rules: RuleSet) -> Quote:
    """Price a loan with the profile's LPR band, subsidy share and interest period."""
    rate = rules.interest.annual_rate(months)
    band = rules.interest.band_for(months) or max(rules.interest.bands, key=lambda b: b.max_months)
    basis = bi("1年期LPR", "1-year LPR") if band.basis == "lpr_1y" else bi("5年期以上LPR", "5-year LPR")
    as_of = rules.interest.lpr_as_of.isoformat()
    principal = Decimal(amount_yuan)
    share = rules.subsidy.share
    period = rules.repayment.interest_period_months
    return Quote(
        principal=principal,
        months=months,
        annual_rate=rate,
        rate_basis=bi(f"{basis.zh}，{as_of}", f"{basis.en}, {as_of}"),
        subsidy_share=share,
        subsidy_varies=rules.subsidy.varies_locally,
        period_months=period,
        interest_only=interest_only(principal, months, rate, share, period),
        equal_instalments=equal_instalments(principal, months, rate, share),
    )


def _money(value: Decimal) -> str:
    value = _fen(value)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _percent(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f") + "%"


_PERIOD_NAMES: dict[int, Bilingual] = {
    1: bi("每月", "monthly"),
    3: bi("每季", "quarterly"),
    6: bi("每半年", "half-yearly"),
    12: bi("每年", "yearly"),
}


def quote_text(q: Quote, lang: Lang, per: Per | None = None) -> str:
    """A compact message for a phone screen; `per` puts the asked figure (per month/year/total) first."""
    zh = lang == "zh"
    term = term_text(q.months).get(lang)
    rate = _percent(q.annual_rate)
    period = _PERIOD_NAMES.get(q.period_months, bi(f"每{q.period_months}个月", f"every {q.period_months} months"))
    io, eq = q.interest_only, q.equal_instalments
    io_first = io.payments[0].before_subsidy if len(io.payments) > 1 else io.payments[0].interest
    monthly = eq.payments[0].before_subsidy
    lines = [
        f"借 {_money(q.principal)} 元，{term}，年利率约 {rate}（{q.rate_basis.zh}）"
        if zh
        else f"Borrow {_money(q.principal)} yuan for {term} at about {rate} a year ({q.rate_basis.en})",
    ]
    answer = _asked_line(q, per, zh)
    if answer:
        lines.append(answer)
    lines += [
        f"① 按期付息、到期还本：{period.zh}付利息 {_money(io_first)} 元，到期还本金 {_money(q.principal)} 元；"
        f"利息共 {_money(io.total_interest)} 元"
        if zh
        else f"① Interest only, principal at the end: {_money(io_first)} yuan interest {period.en}, "
        f"{_money(q.principal)} yuan principal at maturity; interest {_money(io.total_interest)} yuan in all",
        f"② 等额本息：每月还 {_money(monthly)} 元，共 {q.months} 期；利息共 {_money(eq.total_interest)} 元"
        if zh
        else f"② Equal instalments: {_money(monthly)} yuan a month for {q.months} months; "
        f"interest {_money(eq.total_interest)} yuan in all",
    ]
    if q.subsidy_share > 0:
        share = _percent(q.subsidy_share)
        lines.append(
            f"贴息 {share} 后自付利息：① {_money(io.farmer_interest)} 元 ② {_money(eq.farmer_interest)} 元"
            if zh
            else f"After the {share} interest subsidy you pay: ① {_money(io.farmer_interest)} ② "
            f"{_money(eq.farmer_interest)} yuan interest"
        )
    else:
        lines.append(
            "以上未算贴息；贴息比例各地不同，问乡镇或银行。"
            if zh
            else "No interest subsidy counted: it differs by place – ask your township or bank."
        )
    lines.append("以上是估算，以银行合同为准。" if zh else "Estimates only: the bank's contract decides.")
    return "\n".join(lines)


def _asked_line(q: Quote, per: Per | None, zh: bool) -> str | None:
    io, eq = q.interest_only, q.equal_instalments
    with_subsidy = q.subsidy_share > 0
    io_total = io.farmer_interest if with_subsidy else io.total_interest
    eq_total = eq.farmer_interest if with_subsidy else eq.total_interest
    note = ("（贴息后）" if zh else " (after subsidy)") if with_subsidy else ""
    if per == "month":
        io_month = _fen(io_total / q.months)
        eq_month = eq.payments[0].farmer_pays if with_subsidy else eq.payments[0].before_subsidy
        return (
            f"每月约{note}：等额本息 {_money(eq_month)} 元；"
            f"按期付息的话平均每月利息 {_money(io_month)} 元（本金到期还）"
            if zh
            else f"Per month{note}: about {_money(eq_month)} yuan with equal instalments; interest-only averages "
            f"{_money(io_month)} yuan interest a month (principal at the end)"
        )
    if per == "year":
        io_year = io.paid_in_year(1, with_subsidy=with_subsidy) if q.months > 12 else io_total
        eq_year = eq.paid_in_year(1, with_subsidy=with_subsidy)
        return (
            f"第一年约{note}：按期付息 {_money(io_year)} 元（只付利息，本金到期还）；等额本息 {_money(eq_year)} 元"
            if zh
            else f"First year{note}: about {_money(io_year)} yuan interest-only (principal at the end), or "
            f"{_money(eq_year)} yuan with equal instalments"
        )
    if per == "total":
        return (
            f"一共还{note}：按期付息 {_money(q.principal + io_total)} 元；等额本息 {_money(q.principal + eq_total)} 元"
            if zh
            else f"In all{note}: {_money(q.principal + io_total)} yuan interest-only, or "
            f"{_money(q.principal + eq_total)} yuan with equal instalments"
        )
    return None


class LoanQuestion(BaseModel):
    """Amount, term and the figure asked for, parsed from a free question."""

    model_config = ConfigDict(frozen=True)

    amount_yuan: int | None = Field(default=None, gt=0)
    term_months: int | None = Field(default=None, gt=0)
    per: Per | None = None


_PER_MONTH = re.compile(r"每月|每个月|月供|一个月还|一月还|月还|per month|a month|each month|monthly|every month")
_PER_YEAR = re.compile(r"每年|每一年|一年还|年还|per year|(?<!for )a year|each year|yearly|annual|every year")
_PER_TOTAL = re.compile(
    r"一共|总共|总额|合计|总利息|利息多少|多少利息|in total|total|altogether|in all|how much interest"
)
_FOR_A_YEAR = re.compile(r"\bfor\s+a\s+year\b")


def parse_loan_question(text: str) -> LoanQuestion | None:
    """Read "借3万3年每年还多少" / "borrow 30000 for 2 years, how much per month"; None if no amount or term."""
    cleaned = _FOR_A_YEAR.sub("for 1 year", normalise(text))
    amount: int | None = None
    months: int | None = None
    for q in find_quantities(cleaned):
        if q.unit in ("year", "month") and months is None:
            value = q.value * 12 if q.unit == "year" else q.value
            if value == value.to_integral_value() and value > 0:
                months = int(value)
        elif q.unit in (None, "yuan") and amount is None and (q.scaled or q.unit == "yuan" or q.value >= 100):
            amount = int(q.value.quantize(Decimal(1), rounding=ROUND_HALF_UP)) or None
    if amount is None and months is None:
        return None
    per: Per | None = None
    for pattern, name in ((_PER_MONTH, "month"), (_PER_YEAR, "year"), (_PER_TOTAL, "total")):
        if pattern.search(cleaned):
            per = name  # type: ignore[assignment]
            break
    return LoanQuestion(amount_yuan=amount, term_months=months, per=per)
