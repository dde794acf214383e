"""Eligibility pre-check: compares a farmer's answers with a rule profile and explains every rule it applied.

It never decides: every report says the bank makes the final decision.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.lang import Lang
from core.text import Bilingual, bi
from loans.ruleset import HouseholdStatus, Purpose, RuleSet
from loans.validation import term_text

Outcome = Literal["likely", "unlikely", "needs_check"]
MARKS: dict[Outcome, str] = {"likely": "✅", "unlikely": "❌", "needs_check": "❓"}
MAX_QUOTED = 20

DISCLAIMER = bi(
    "这只是初步对照，不是审批结果；能不能贷、贷多少，最终由银行审核决定。",
    "This is only a first check, not a decision: the bank decides whether and how much to lend.",
)
SUMMARIES: dict[Outcome, Bilingual] = {
    "likely": bi("初步看，您可能符合条件。", "At first sight you may qualify."),
    "needs_check": bi("初步看，有几项还需要核实。", "At first sight, a few points still need checking."),
    "unlikely": bi("初步看，有的条件可能不符合。", "At first sight, some conditions may not be met."),
}


class PreCheckInput(BaseModel):
    """What the farmer told us so far; unknown answers stay None and become "needs check"."""

    model_config = ConfigDict(frozen=True)

    household_status: HouseholdStatus | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    amount_yuan: int | None = Field(default=None, ge=0)
    term_months: int | None = Field(default=None, ge=0)
    purpose_text: str | None = Field(default=None, max_length=500)
    purpose_id: str | None = None
    credit_ok: bool | None = None


class RuleCheck(BaseModel):
    """One rule applied, its outcome and the explanation in both languages."""

    model_config = ConfigDict(frozen=True)

    rule: Literal["household", "age", "amount", "term", "purpose", "credit"]
    outcome: Outcome
    explanation: Bilingual


class EligibilityReport(BaseModel):
    """The pre-check: per-rule outcomes, an overall outcome (never a decision) and the bank disclaimer."""

    model_config = ConfigDict(frozen=True)

    rules_id: str
    rules_version: str
    checks: list[RuleCheck]
    outcome: Outcome
    notes: list[Bilingual]
    disclaimer: Bilingual = DISCLAIMER

    def check(self, rule: str) -> RuleCheck:
        """The check of one rule by name."""
        return next(c for c in self.checks if c.rule == rule)

    def text(self, lang: Lang, *, with_notes: bool = False) -> str:
        """The report as a short message for a phone screen."""
        lines = [SUMMARIES[self.outcome].get(lang)]
        lines += [f"{MARKS[c.outcome]} {c.explanation.get(lang)}" for c in self.checks]
        if with_notes:
            lines += [f"• {note.get(lang)}" for note in self.notes]
        lines.append(self.disclaimer.get(lang))
        return "\n".join(lines)


def pre_check(answers: PreCheckInput, rules: RuleSet) -> EligibilityReport:
    """Apply every rule of `rules` to `answers` and explain each one."""
    checks = [
        _household(answers.household_status, rules),
        _age(answers.age, rules),
        _amount(answers.amount_yuan, rules),
        _term(answers.term_months, rules),
        _purpose(answers.purpose_text, answers.purpose_id, rules),
        _credit(answers.credit_ok),
    ]
    outcomes = {c.outcome for c in checks}
    overall: Outcome = (
        "unlikely" if "unlikely" in outcomes else "needs_check" if "needs_check" in outcomes else "likely"
    )
    notes = [rules.subsidy.note, *rules.notes]
    return EligibilityReport(
        rules_id=rules.id, rules_version=rules.version, checks=checks, outcome=overall, notes=notes
    )


_STATUS_NAMES: dict[HouseholdStatus, Bilingual] = {
    "lifted_out": bi("脱贫户", "lifted out of poverty"),
    "monitored": bi("防返贫监测户", "under return-to-poverty monitoring"),
    "not_sure": bi("不确定", "not sure"),
    "neither": bi("都不是", "neither"),
}


def _household(status: HouseholdStatus | None, rules: RuleSet) -> RuleCheck:
    eligible = rules.eligible_statuses
    names_zh = "、".join(_STATUS_NAMES[s].zh for s in eligible)
    names_en = "households " + " or ".join(_STATUS_NAMES[s].en for s in eligible)
    if status in (None, "not_sure"):
        return RuleCheck(
            rule="household",
            outcome="needs_check",
            explanation=bi(
                f"家庭身份待确认：这种贷款面向{names_zh}。可以问村委会您家是否登记在册。",
                f"Household status to confirm: this loan is for {names_en}. Ask your village committee whether your "
                "household is registered.",
            ),
        )
    if status in eligible:
        name = _STATUS_NAMES[status]
        return RuleCheck(
            rule="household",
            outcome="likely",
            explanation=bi(f"家庭是{name.zh}，属于可以申请的对象。", f"Household {name.en}: it may apply."),
        )
    return RuleCheck(
        rule="household",
        outcome="unlikely",
        explanation=bi(
            f"这种贷款面向{names_zh}；不是的话通常不适用，可以问银行普通的农户小额信用贷款。",
            f"This loan is for {names_en}; otherwise it usually does not apply – ask the bank about ordinary farmer "
            "microcredit loans.",
        ),
    )


def _age(age: int | None, rules: RuleSet) -> RuleCheck:
    low, high = rules.age.min, rules.age.max
    if age is None:
        return RuleCheck(
            rule="age",
            outcome="needs_check",
            explanation=bi(
                f"年龄未知：借款人需在 {low}–{high} 岁之间。", f"Age not known: borrowers must be {low}–{high}."
            ),
        )
    if low <= age <= high:
        return RuleCheck(
            rule="age",
            outcome="likely",
            explanation=bi(f"年龄 {age} 岁，符合 {low}–{high} 岁。", f"Age {age}: within {low}–{high}."),
        )
    return RuleCheck(
        rule="age",
        outcome="unlikely",
        explanation=bi(
            f"年龄 {age} 岁，不在 {low}–{high} 岁之间；可以请家里符合年龄的成员申请。",
            f"Age {age}: outside {low}–{high}. Another household member of the right age may apply.",
        ),
    )


def _yuan(amount: int) -> str:
    return f"{amount:,}"


def _amount(amount: int | None, rules: RuleSet) -> RuleCheck:
    cap = rules.amount.cap_yuan
    if amount is None:
        return RuleCheck(
            rule="amount",
            outcome="needs_check",
            explanation=bi(
                f"金额未定：每户一般不超过 {_yuan(cap)} 元。",
                f"Amount not given: usually at most {_yuan(cap)} yuan per household.",
            ),
        )
    if amount < rules.amount.min_yuan:
        return RuleCheck(
            rule="amount",
            outcome="needs_check",
            explanation=bi(
                f"金额 {_yuan(amount)} 元，低于 {_yuan(rules.amount.min_yuan)} 元，请确认金额。",
                f"Amount {_yuan(amount)} yuan: below {_yuan(rules.amount.min_yuan)} yuan – please confirm it.",
            ),
        )
    if amount <= cap:
        return RuleCheck(
            rule="amount",
            outcome="likely",
            explanation=bi(
                f"金额 {_yuan(amount)} 元，不超过上限 {_yuan(cap)} 元。",
                f"Amount {_yuan(amount)} yuan: within the {_yuan(cap)} cap.",
            ),
        )
    return RuleCheck(
        rule="amount",
        outcome="unlikely",
        explanation=bi(
            f"金额 {_yuan(amount)} 元，超过上限 {_yuan(cap)} 元；可以按上限申请。",
            f"Amount {_yuan(amount)} yuan: above the {_yuan(cap)} cap. You could ask for up to the cap.",
        ),
    )


def _term(months: int | None, rules: RuleSet) -> RuleCheck:
    cap = term_text(rules.term.cap_months)
    if months is None:
        return RuleCheck(
            rule="term",
            outcome="needs_check",
            explanation=bi(f"期限未定：最长 {cap.zh}。", f"Term not given: at most {cap.en}."),
        )
    term = term_text(months)
    if 0 < months <= rules.term.cap_months:
        return RuleCheck(
            rule="term",
            outcome="likely",
            explanation=bi(f"期限 {term.zh}，不超过 {cap.zh}。", f"Term {term.en}: within the cap of {cap.en}."),
        )
    return RuleCheck(
        rule="term",
        outcome="unlikely",
        explanation=bi(f"期限 {term.zh}，超过最长 {cap.zh}。", f"Term {term.en}: longer than the cap of {cap.en}."),
    )


def classify_purpose(text: str, rules: RuleSet) -> tuple[list[Purpose], list[Purpose]]:
    """The allowed and the forbidden purposes whose keywords appear in `text`."""
    allowed = [p for p in rules.purposes.allowed if p.matches(text)]
    forbidden = [p for p in rules.purposes.forbidden if p.matches(text)]
    return allowed, forbidden


def _purpose(text: str | None, purpose_id: str | None, rules: RuleSet) -> RuleCheck:
    allowed_zh = "、".join(p.label.zh for p in rules.purposes.allowed)
    allowed_en = ", ".join(p.label.en for p in rules.purposes.allowed)
    if purpose_id:
        chosen = rules.purposes.by_id(purpose_id)
        allowed, forbidden = ([chosen], []) if chosen in rules.purposes.allowed else ([], [chosen] if chosen else [])
        quoted = chosen.label if chosen else bi(purpose_id, purpose_id)
    elif text and text.strip():
        allowed, forbidden = classify_purpose(text, rules)
        short = text.strip()[:MAX_QUOTED]
        quoted = bi(f"“{short}”", f'"{short}"')
    else:
        return RuleCheck(
            rule="purpose",
            outcome="needs_check",
            explanation=bi(
                f"用途未说明：钱要用在自家生产经营上（{allowed_zh}）。",
                f"Use not given: the money must go into your own production ({allowed_en}).",
            ),
        )
    if forbidden and not allowed:
        bad = forbidden[0].label
        return RuleCheck(
            rule="purpose",
            outcome="unlikely",
            explanation=bi(
                f"用途{quoted.zh}属于{bad.zh}，这种贷款不能用于此。",
                f"Use {quoted.en} counts as {bad.en}: not allowed for this loan.",
            ),
        )
    if allowed and not forbidden:
        good = allowed[0].label
        return RuleCheck(
            rule="purpose",
            outcome="likely",
            explanation=bi(f"用途{quoted.zh}属于{good.zh}，可以。", f"Use {quoted.en} counts as {good.en}: allowed."),
        )
    return RuleCheck(
        rule="purpose",
        outcome="needs_check",
        explanation=bi(
            f"用途{quoted.zh}需要说清楚：只能用于自家{allowed_zh}，不能建房、办婚事、消费、买理财或交给企业。",
            f"Use {quoted.en} needs explaining: only your own {allowed_en}; not house building, weddings, "
            "household spending, wealth products or handing it to a company.",
        ),
    )


def _credit(credit_ok: bool | None) -> RuleCheck:
    if credit_ok is None:
        return RuleCheck(
            rule="credit",
            outcome="needs_check",
            explanation=bi(
                "信用：银行会查征信并评级授信，有严重不良记录会影响申请。",
                "Credit: the bank checks your credit record and rating; a serious bad record counts against you.",
            ),
        )
    if credit_ok:
        return RuleCheck(
            rule="credit",
            outcome="likely",
            explanation=bi(
                "您说没有逾期或不良记录，这对申请有利；银行仍会查征信。",
                "You said you have no overdue or bad records, which helps; the bank still checks your credit.",
            ),
        )
    return RuleCheck(
        rule="credit",
        outcome="unlikely",
        explanation=bi(
            "您说有逾期或不良记录，可能影响申请；先还清逾期会有帮助。",
            "You said you have overdue or bad records, which may count against you; clearing overdue debts helps.",
        ),
    )
