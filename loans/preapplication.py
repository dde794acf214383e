"""The in-chat pre-application, independent of Rasa: reading each answer, the summary and the stored form.

The dialogue (actions/preapplication.py) hands every answer to `PreApplicationService.check(field, answer)` and
gets back a `FieldResult`: the normalised slot values, or a reason in both languages with choices to tap.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, get_args

from core.intents import Intent
from core.lang import Lang
from core.text import Bilingual, bi
from loans.calculator import quote, quote_text
from loans.consent import CURRENT_CONSENT_VERSION, consent_text
from loans.eligibility import EligibilityReport, PreCheckInput, classify_purpose, pre_check
from loans.forms import PreApplicationForm
from loans.names import confirm_question, read_name
from loans.ruleset import DEFAULT_REGION, HouseholdStatus, RulesError, RuleSet, load_rules
from loans.stations import Station, StationMatcher, Village
from loans.validation import (
    mask_id,
    mask_phone,
    parse_amount,
    parse_term,
    term_text,
    validate_phone,
    validate_resident_id,
)

Field = Literal[
    "applicant_name",
    "phone",
    "resident_id",
    "place",
    "household_status",
    "purpose",
    "amount",
    "term",
    "other_loans",
    "consent",
    "confirmed",
]
# The order the form asks in (the order of `Field`); `confirmed` (the summary) comes last.
FIELDS: tuple[Field, ...] = get_args(Field)
# Slots the form fills besides its fields; all are cleared when a form is sent, cancelled or deleted.
# `name_to_confirm` holds a name the form asked "您的名字是「…」，对吗？" about until the farmer answers.
EXTRA_SLOTS: tuple[str, ...] = ("purpose_note", "consent_at", "form_token", "form_failures", "name_to_confirm")
CHOICE_PREFIX = "choice:"
FAILURES_BEFORE_HELP = 3
PURPOSE_IDS = ("planting", "livestock", "processing", "small_business", "other")
HOUSEHOLD_IDS: tuple[HouseholdStatus, ...] = ("lifted_out", "monitored", "neither", "not_sure")
_CONFIRM_WORDS = frozenset(
    {"是", "是的", "是我", "对", "对的", "对啊", "对呀", "没错", "嗯", "嗯嗯", "好", "好的", "确认", "正确", "是这个",
     "yes", "y", "yeah", "yep", "right", "correct", "ok", "okay", "that's right", "thats right"}
)  # fmt: skip
_DENY_WORDS = frozenset(
    {"不是", "不对", "错了", "写错了", "打错了", "不", "no", "n", "nope", "wrong", "not right"}
)  # fmt: skip
_EMBEDDED_PHONE = re.compile(r"(?:\+?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d){8}")
_EMBEDDED_ID = re.compile(r"\d(?:[\s\-]?\d){16}[\s\-]?[\dXx]")
# Chinese words have no \b boundary against what follows ("确认提交", "好的呀"), so only the English ones need it;
# a "no" anywhere in the answer is checked first, so "好像不对" stays a no.
_YES = re.compile(
    r"^(?:是|对|有|好|行|可以|同意|我同意|确认|确定|提交|没问题|嗯|恩|"
    r"(?:yes|yeah|yep|y|ok|okay|sure|agree|i agree|confirm|send|submit)\b)",
    re.I,
)
# "还有一笔信用社的没还完": owing something is a yes even though it says 没.
_STILL_OWES = re.compile(r"还有|有[一两三四五六七八九\d]+笔|有.{0,8}没还|still (have|owe|paying)", re.I)
_NO = re.compile(
    r"(没有|沒有|没得|没|无|不同意|不要|不用|不是|不|^no\b|^nope\b|^none\b|don'?t|do not|disagree|not)", re.I
)


@dataclass(frozen=True)
class Choice:
    """One tappable answer: its label and the value (or a `/intent` payload) it stands for."""

    title: Bilingual
    value: str


@dataclass(frozen=True)
class FieldResult:
    """Outcome of checking one answer: slot `updates`, and when not accepted a `reason` and `choices`."""

    ok: bool
    updates: dict[str, Any] = field(default_factory=dict)
    reason: Bilingual | None = None
    choices: tuple[Choice, ...] = ()
    counts_as_failure: bool = True

    @classmethod
    def accept(cls, **updates: Any) -> FieldResult:
        """An accepted answer and the slot values it sets."""
        return cls(ok=True, updates=updates)

    @classmethod
    def reject(cls, reason: Bilingual, *choices: Choice, failure: bool = True, **updates: Any) -> FieldResult:
        """A refused answer with the reason, the choices to offer and any slots to set meanwhile."""
        return cls(ok=False, updates=updates, reason=reason, choices=choices, counts_as_failure=failure)


FIELD_LABELS: dict[Field, Bilingual] = {
    "applicant_name": bi("姓名", "Name"),
    "phone": bi("手机号", "Mobile"),
    "resident_id": bi("身份证号", "ID number"),
    "place": bi("村和乡镇", "Village and township"),
    "household_status": bi("家庭情况", "Household"),
    "purpose": bi("用途", "Use of the money"),
    "amount": bi("金额", "Amount"),
    "term": bi("期限", "Term"),
    "other_loans": bi("其他贷款", "Other loans"),
    "consent": bi("同意授权", "Consent"),
    "confirmed": bi("确认", "Confirmation"),
}
# Words that name a field in "电话填错了" / "change my phone"; checked in this order.
_FIELD_WORDS: tuple[tuple[Field, re.Pattern[str]], ...] = (
    ("resident_id", re.compile(r"身份证|证件|id\s*(card|number|no)?\b|identity", re.I)),
    ("phone", re.compile(r"电话|手机|号码|phone|mobile|number", re.I)),
    ("applicant_name", re.compile(r"名字|姓名|名称|name", re.I)),
    ("place", re.compile(r"村|乡|镇|地址|住址|服务站|village|township|town|address|station", re.I)),
    ("household_status", re.compile(r"脱贫|监测|家庭|户|household|status", re.I)),
    ("purpose", re.compile(r"用途|干什么|做什么|用来|purpose|use", re.I)),
    ("term", re.compile(r"期限|几年|多久|年限|term|years|months", re.I)),
    ("amount", re.compile(r"金额|多少钱|钱数|借多少|额度|amount|money|sum", re.I)),
    ("other_loans", re.compile(r"别的贷款|其他贷款|其它贷款|other loans?", re.I)),
)
HOUSEHOLD_LABELS: dict[HouseholdStatus, Bilingual] = {
    "lifted_out": bi("脱贫户", "Lifted out of poverty"),
    "monitored": bi("防返贫监测户", "Monitored household"),
    "neither": bi("都不是", "Neither"),
    "not_sure": bi("不清楚", "Not sure"),
}
PURPOSE_LABELS: dict[str, Bilingual] = {
    "planting": bi("种植", "Crop growing"),
    "livestock": bi("养殖", "Livestock / fish"),
    "processing": bi("农产品加工", "Processing farm products"),
    "small_business": bi("小本经营", "Small business"),
    "other": bi("其他生产用途", "Other production use"),
}
HINTS: dict[Field, Bilingual] = {
    "applicant_name": bi(
        "换个方式说：只发身份证上的名字就行，比如“王秀英”，不用加别的字。",
        'Put another way: just send the name on your ID card, for example "Wang Xiuying", nothing else.',
    ),
    "phone": bi(
        "换个方式说：手机号是 11 位数字，以 1 开头，比如 138 1234 5678。"
        "不记得的话，可以请家人看一下手机设置里的“本机号码”。",
        "Put another way: a mobile number has 11 digits and starts with 1, e.g. 138 1234 5678. If you do not "
        'remember it, ask a family member to look under "My number" in the phone settings.',
    ),
    "resident_id": bi(
        "换个方式说：身份证正面最下面那一行就是号码，共 18 位，最后一位可能是 X。可以一位一位对着抄，中间加空格也行。",
        "Put another way: the number is the bottom line on the front of the ID card, 18 characters, the last "
        "may be X. Copy it character by character; spaces in between are fine.",
    ),
    "place": bi(
        "换个方式说：先说乡镇，再说村，比如“青山镇东岭村”；也可以直接点下面离您最近的服务站。",
        'Put another way: give the township first, then the village, e.g. "Qingshan Town, Dongling Village", '
        "or tap the service station nearest to you below.",
    ),
    "household_status": bi(
        "换个方式说：请直接点下面的一个按钮；不知道的话点“不清楚”，服务站会帮您查。",
        'Put another way: just tap one of the buttons; if you do not know, tap "Not sure" and the station checks.',
    ),
    "purpose": bi(
        "换个方式说：钱要用在您自己的生产上，比如买种子化肥、买猪苗牛犊、开个小店。请点一个按钮。",
        "Put another way: the money must go into your own production, e.g. seed and fertiliser, piglets or "
        "calves, a small shop. Please tap a button.",
    ),
    "amount": bi(
        "换个方式说：只发一个数，比如“30000”或“3万”。",
        'Put another way: send just one number, e.g. "30000".',
    ),
    "term": bi(
        "换个方式说：点下面的一个期限，或者发“2年”“18个月”这样的话。",
        'Put another way: tap one of the terms below or send something like "2 years" or "18 months".',
    ),
    "other_loans": bi("换个方式说：有就点“有”，没有就点“没有”。", 'Put another way: tap "Yes" or "No".'),
    "consent": bi(
        "换个方式说：同意就点“同意”；不同意的话申请就发不出去，可以点“取消”。",
        'Put another way: tap "I agree" to go on; without consent nothing can be sent, so you may tap "Cancel".',
    ),
    "confirmed": bi(
        "换个方式说：内容对就点“确认提交”，要改就点“修改”，不办了就点“取消”。",
        'Put another way: tap "Send" if all is right, "Change" to fix something, "Cancel" to stop.',
    ),
}
NOT_ALLOWED_USES = bi(
    "注意：这种贷款只能用在自家生产经营上，不能用来建房装修、办婚事、日常消费或买理财。",
    "Note: this loan is only for your own production or business, not for building a house, weddings, "
    "household spending or investing.",
)
WHAT_TO_BRING = bi(
    "去服务站或接电话时请准备：身份证、户口本；如是脱贫户或监测户，带上相关证明；有营业执照或养殖、种植合同的也带上。",
    "When the station calls or you visit, have ready: your ID card and household register (hukou); proof of "
    "lifted-out or monitored status if you have it; any business licence or growing/rearing contract.",
)
YES = Choice(bi("是", "Yes"), "yes")
NO = Choice(bi("不是", "No"), "no")
HUMAN = Choice(bi("找工作人员", "Talk to a person"), Intent.HUMAN_HANDOFF.payload)
CANCEL = Choice(bi("取消申请", "Cancel the application"), Intent.CANCEL_FORM.payload)


def normalise_answer(text: str) -> str:
    """NFKC, trimmed, and cut to a sane length (a 10 kB paste is never a form answer)."""
    return unicodedata.normalize("NFKC", text or "").strip()[:500]


def field_to_correct(text: str) -> Field | None:
    """Which earlier answer "电话填错了" / "change my ID" is about, or None when it names none."""
    for name, pattern in _FIELD_WORDS:
        if pattern.search(text or ""):
            return name
    return None


def _choice(answer: str) -> str | None:
    return answer[len(CHOICE_PREFIX) :] if answer.startswith(CHOICE_PREFIX) else None


def _confirmation(answer: str) -> bool | None:
    """A plain yes or no to a "did you mean" question (a button, or a short word; a new name is neither)."""
    chosen = _choice(answer)
    if chosen in ("yes", "no"):
        return chosen == "yes"
    text = normalise_answer(answer).lower().strip(" 。.,，!！~～")
    if text in _CONFIRM_WORDS:
        return True
    if text in _DENY_WORDS:
        return False
    return None


def _yes_no(answer: str, *, about_debts: bool = False) -> bool | None:
    chosen = _choice(answer)
    if chosen in ("yes", "no"):
        return chosen == "yes"
    text = normalise_answer(answer).lower()
    if not text:
        return None
    if about_debts and _STILL_OWES.search(text):
        return True
    if _NO.search(text):
        return False
    if _YES.search(text) or text.startswith(("有", "是")):
        return True
    return None


@dataclass
class PreApplicationService:
    """Reads form answers with the validators, the station registry and the region's rules."""

    matcher: StationMatcher
    stations: list[Station]
    rules_loader: Callable[[str], RuleSet] = load_rules
    today: Callable[[], date] = date.today
    _rules_cache: dict[str, RuleSet] = field(default_factory=dict)

    def rules_for(self, place: str | None) -> RuleSet:
        """The rule profile of the place's station (the national profile when unknown or unreadable)."""
        station = self.station_for(place)
        region = station.rules_region if station else DEFAULT_REGION
        if region not in self._rules_cache:
            try:
                self._rules_cache[region] = self.rules_loader(region)
            except RulesError:
                self._rules_cache[region] = self.rules_loader(DEFAULT_REGION)
        return self._rules_cache[region]

    def station_for(self, place: str | None) -> Station | None:
        """The station of a stored place value `CODE|village`."""
        if not place:
            return None
        return self.matcher.by_code(place.split("|", 1)[0])

    def village_for(self, place: str | None) -> Village | None:
        """The village of a stored place value `CODE|village` (None for a township-only place)."""
        station = self.station_for(place)
        if station is None or not place or "|" not in place:
            return None
        village_zh = place.split("|", 1)[1]
        return next((v for v in station.villages if v.zh == village_zh), None)

    def place_label(self, place: str | None) -> Bilingual:
        """ "东岭村（青山镇）" / "Dongling Village (Qingshan Town)" for a stored place value."""
        station = self.station_for(place)
        if station is None or place is None:
            return bi("未知", "unknown")
        village = self.village_for(place)
        if village is None:
            return station.township
        return bi(f"{village.zh}（{station.township.zh}）", f"{village.en} ({station.township.en})")

    def recognises(self, name: Field, answer: str, slots: Mapping[str, Any]) -> bool:
        """True when the text reads as an answer to `name` (even one needing a "did you mean" check)."""
        result = self.check(name, answer, slots)
        return result.ok or not result.counts_as_failure

    def check(self, name: Field, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        """Check one answer (typed text, or `choice:<value>` from a button) for field `name`."""
        checker = getattr(self, f"_check_{name}")
        result: FieldResult = checker(answer, slots)
        return result

    def _check_applicant_name(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        pending = slots.get("name_to_confirm")
        if pending:
            said = _confirmation(answer)
            if said is True:
                return FieldResult.accept(applicant_name=str(pending), name_to_confirm=None)
            if said is False:
                return FieldResult.reject(
                    bi("好的，请再发一次您的姓名（和身份证上一样）。", "All right: please send your name again."),
                    failure=False,
                    name_to_confirm=None,
                )
        reading = read_name(answer)
        if reading.verdict == "name":
            return FieldResult.accept(applicant_name=reading.name, name_to_confirm=None)
        if reading.verdict == "ask":
            question = confirm_question(reading.name)
            return FieldResult.reject(question, YES, NO, failure=False, name_to_confirm=reading.name)
        assert reading.reason is not None
        return FieldResult.reject(reading.reason, name_to_confirm=None)

    def _check_phone(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        checked = validate_phone(normalise_answer(answer))
        if not checked.ok:
            embedded = _EMBEDDED_PHONE.search(normalise_answer(answer))
            if embedded:
                checked = validate_phone(embedded.group(0))
        if checked.ok and checked.value:
            return FieldResult.accept(phone=checked.value)
        assert checked.reason is not None
        return FieldResult.reject(checked.reason)

    def _check_resident_id(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        text = normalise_answer(answer)
        checked = validate_resident_id(text, today=self.today())
        if not checked.ok:
            embedded = _EMBEDDED_ID.search(text)
            if embedded and embedded.group(0) != text:
                checked = validate_resident_id(embedded.group(0), today=self.today())
        if checked.ok and checked.value:
            return FieldResult.accept(resident_id=checked.value.number)
        assert checked.reason is not None
        return FieldResult.reject(checked.reason)

    def _check_place(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        chosen = _choice(answer)
        if chosen is not None:
            station = self.station_for(chosen)
            if station is not None:
                return FieldResult.accept(place=chosen)
            return FieldResult.reject(
                bi(
                    "这个选项已过期，请再说一下村和乡镇。",
                    "That choice has expired: please say your village and township again.",
                )
            )
        match = self.matcher.match(normalise_answer(answer))
        if match.kind == "village" and match.station and match.village:
            return FieldResult.accept(place=f"{match.station.code}|{match.village.zh}")
        if match.kind == "township" and match.station:
            return FieldResult.accept(place=f"{match.station.code}|")
        message = bi(match.message("zh"), match.message("en"))
        if match.kind == "suggestions":
            choices = [
                Choice(bi(c.label("zh"), c.label("en")), f"{c.station.code}|{c.village.zh if c.village else ''}")
                for c in match.candidates
            ]
            return FieldResult.reject(message, *choices, failure=False)
        stations = [Choice(s.township, f"{s.code}|") for s in self.stations]
        listed = bi(
            "没找到这个地方。下面是能在线预申请的乡镇，请点您所在的乡镇或离您最近的一个：",
            "I could not find that place. These townships take pre-applications online: tap yours or the nearest:",
        )
        return FieldResult.reject(listed, *stations)

    def _check_household_status(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        chosen = _choice(answer)
        text = normalise_answer(answer).lower()
        status: HouseholdStatus | None = None
        if chosen in HOUSEHOLD_IDS:
            status = chosen
        elif re.search(r"不知道|不清楚|不确定|不晓得|not sure|don'?t know|unsure", text):
            status = "not_sure"
        elif re.search(r"都不是|不是|普通|一般户|neither|none|other|no\b", text):
            status = "neither"
        elif re.search(r"监测|防返贫|monitor", text):
            status = "monitored"
        elif re.search(r"脱贫|贫困|建档立卡|lifted|poverty|poor", text):
            status = "lifted_out"
        if status is None:
            return FieldResult.reject(
                bi("请点一个按钮说明您家的情况。", "Please tap the button that fits your household."),
                *[Choice(label, key) for key, label in HOUSEHOLD_LABELS.items()],
            )
        return FieldResult.accept(household_status=status)

    def _check_purpose(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        chosen = _choice(answer)
        buttons = [Choice(label, key) for key, label in PURPOSE_LABELS.items()]
        if chosen in PURPOSE_IDS:
            return FieldResult.accept(purpose=chosen, purpose_note=None)
        text = normalise_answer(answer)
        rules = self.rules_for(slots.get("place"))
        allowed, forbidden = classify_purpose(text, rules)
        if forbidden and not allowed:
            return FieldResult.reject(
                bi(
                    f"“{text[:20]}”属于{forbidden[0].label.zh}，扶贫小额信贷不能用于这个。{NOT_ALLOWED_USES.zh}"
                    "请选一个生产用途：",
                    f'"{text[:20]}" counts as {forbidden[0].label.en}, which this microcredit cannot pay for. '
                    f"{NOT_ALLOWED_USES.en} Please pick a production use:",
                ),
                *buttons,
            )
        if allowed:
            purpose = allowed[0].id if allowed[0].id in PURPOSE_IDS else "other"
            return FieldResult.accept(purpose=purpose, purpose_note=text[:200])
        return FieldResult.reject(
            bi("没听明白钱要用来做什么，请点一个用途：", "I did not catch what the money is for: please tap one:"),
            *buttons,
        )

    def _check_amount(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        rules = self.rules_for(slots.get("place"))
        chosen = _choice(answer)
        checked = parse_amount(
            chosen if chosen else normalise_answer(answer),
            cap_yuan=rules.amount.cap_yuan,
            min_yuan=rules.amount.min_yuan,
        )
        if checked.ok and checked.value is not None:
            return FieldResult.accept(amount=checked.value)
        assert checked.reason is not None
        if checked.suggestion is not None:
            offer = Choice(
                bi(f"就借 {checked.suggestion:,} 元", f"{checked.suggestion:,} yuan"), str(checked.suggestion)
            )
            return FieldResult.reject(checked.reason, offer, failure=False)
        return FieldResult.reject(checked.reason)

    def _check_term(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        rules = self.rules_for(slots.get("place"))
        chosen = _choice(answer)
        text = f"{chosen}个月" if chosen and chosen.isdigit() else normalise_answer(answer)
        checked = parse_term(text, cap_months=rules.term.cap_months)
        if checked.ok and checked.value is not None:
            return FieldResult.accept(term=checked.value)
        assert checked.reason is not None
        if checked.suggestion is not None:
            label = term_text(checked.suggestion)
            return FieldResult.reject(checked.reason, Choice(label, str(checked.suggestion)), failure=False)
        return FieldResult.reject(checked.reason, *self.term_choices(rules))

    def term_choices(self, rules: RuleSet) -> list[Choice]:
        """Whole-year terms up to the cap, as buttons."""
        years = range(1, rules.term.cap_months // 12 + 1)
        return [Choice(term_text(y * 12), str(y * 12)) for y in years][:5]

    def _check_other_loans(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        said = _yes_no(answer, about_debts=True)
        if said is None:
            return FieldResult.reject(
                bi("请说“有”或“没有”。", 'Please answer "yes" or "no".'),
                Choice(bi("有", "Yes"), "yes"),
                Choice(bi("没有", "No"), "no"),
            )
        return FieldResult.accept(other_loans=said)

    def _check_consent(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        said = _yes_no(answer)
        if said:
            return FieldResult.accept(consent=CURRENT_CONSENT_VERSION)
        return FieldResult.reject(
            bi(
                "没有您的同意，申请就不能交给服务站。同意的话点“我同意”，不想办了可以取消。",
                'Without your consent nothing can go to the station. Tap "I agree" to go on, or cancel.',
            ),
            Choice(bi("我同意", "I agree"), "yes"),
            CANCEL,
            failure=said is None,
        )

    def _check_confirmed(self, answer: str, slots: Mapping[str, Any]) -> FieldResult:
        chosen = _choice(answer)
        if chosen == "yes" or (chosen is None and _yes_no(answer)):
            return FieldResult.accept(confirmed=True)
        return FieldResult.reject(
            bi("请点“确认提交”，或者点“修改”改某一项。", 'Please tap "Send", or "Change" to fix an answer.'),
            *summary_choices(),
        )

    def eligibility(self, slots: Mapping[str, Any]) -> EligibilityReport:
        """The pre-check on what the farmer answered (age from the ID number)."""
        rules = self.rules_for(slots.get("place"))
        purpose = slots.get("purpose")
        age = None
        checked = validate_resident_id(str(slots.get("resident_id") or ""), today=self.today())
        if checked.value is not None:
            age = checked.value.age_on(self.today())
        return pre_check(
            PreCheckInput(
                household_status=slots.get("household_status"),
                age=age,
                amount_yuan=_int(slots.get("amount")),
                term_months=_int(slots.get("term")),
                purpose_id=None if slots.get("purpose_note") or purpose == "other" else purpose,
                purpose_text=slots.get("purpose_note"),
            ),
            rules,
        )

    def summary(self, slots: Mapping[str, Any], lang: Lang) -> str:
        """What the farmer checks before sending: answers (ID and phone masked), pre-check, repayments."""
        zh = lang == "zh"
        rules = self.rules_for(slots.get("place"))
        amount, term = _int(slots.get("amount")), _int(slots.get("term"))
        station = self.station_for(slots.get("place"))
        household = HOUSEHOLD_LABELS.get(slots.get("household_status") or "not_sure", HOUSEHOLD_LABELS["not_sure"])
        purpose = PURPOSE_LABELS.get(slots.get("purpose") or "other", PURPOSE_LABELS["other"]).get(lang)
        if slots.get("purpose_note"):
            purpose += f"（{slots['purpose_note'][:30]}）" if zh else f" ({slots['purpose_note'][:30]})"
        other = slots.get("other_loans")
        rows: list[tuple[Field, str]] = [
            ("applicant_name", str(slots.get("applicant_name") or "")),
            ("phone", mask_phone(str(slots.get("phone") or ""))),
            ("resident_id", mask_id(str(slots.get("resident_id") or ""))),
            ("place", self.place_label(slots.get("place")).get(lang)),
            ("household_status", household.get(lang)),
            ("purpose", purpose),
            ("amount", f"{amount:,} 元" if zh and amount else f"{amount or 0:,} yuan"),
            ("term", term_text(term).get(lang) if term else "-"),
            ("other_loans", (("有" if other else "没有") if zh else ("yes" if other else "no"))),
        ]
        lines = ["请核对您的预申请：" if zh else "Please check your pre-application:"]
        lines += [
            f"• {FIELD_LABELS[name].get(lang)}：{value}" if zh else f"• {FIELD_LABELS[name].en}: {value}"
            for name, value in rows
        ]
        if station is not None:
            lines.append(f"将交给：{station.contact('zh')}" if zh else f"Goes to: {station.contact('en')}")
        lines += ["", self.eligibility(slots).text(lang)]
        if amount and term:
            lines += ["", quote_text(quote(amount, term, rules), lang)]
        lines += ["", "内容都对就点“确认提交”。" if zh else 'If everything is right, tap "Send".']
        return "\n".join(lines)

    def build_form(self, slots: Mapping[str, Any], *, channel: str, external_id: str, lang: Lang) -> PreApplicationForm:
        """The validated form the store receives (raises pydantic's ValidationError when something is missing)."""
        station = self.station_for(slots.get("place"))
        village = self.village_for(slots.get("place"))
        report = self.eligibility(slots)
        return PreApplicationForm(
            form_token=str(slots.get("form_token") or ""),
            channel=channel,
            external_id=external_id,
            lang=lang,
            name=str(slots.get("applicant_name") or ""),
            phone=str(slots.get("phone") or ""),
            resident_id=str(slots.get("resident_id") or ""),
            household_status=slots.get("household_status") or "not_sure",
            amount_yuan=_int(slots.get("amount")) or 0,
            term_months=_int(slots.get("term")) or 0,
            purpose=slots.get("purpose") or "other",
            purpose_note=slots.get("purpose_note"),
            other_loans=slots.get("other_loans"),
            station_code=station.code if station else "",
            village_zh=village.zh if village else None,
            village_en=village.en if village else None,
            consent_version=str(slots.get("consent") or ""),
            consent_at=slots.get("consent_at"),
            rules_id=report.rules_id,
            rules_version=report.rules_version,
            precheck_outcome=report.outcome,
        )


def summary_choices() -> tuple[Choice, ...]:
    """The buttons under the summary: send, change, cancel."""
    return (
        Choice(bi("确认提交", "Send"), "yes"),
        Choice(bi("修改", "Change"), Intent.CORRECT_FIELD.payload),
        Choice(bi("取消", "Cancel"), Intent.CANCEL_FORM.payload),
    )


def correction_choices() -> tuple[Choice, ...]:
    """One button per answer the farmer may change."""
    return tuple(Choice(FIELD_LABELS[name], name) for name in FIELDS if name not in ("consent", "confirmed"))


def consent_prompt(lang: Lang) -> str:
    """The consent question with the current wording."""
    wording = consent_text(CURRENT_CONSENT_VERSION, lang)
    if lang == "zh":
        return f"第 10 步（最后一步），请看授权说明：\n{wording}\n您同意吗？"
    return f"Step 10 (the last), please read this consent:\n{wording}\nDo you agree?"


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
