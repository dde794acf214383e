"""Validators for pre-application answers: phone, resident ID, amount, term; masking helpers.

Each validator returns a `Checked` value: `ok`, the normalised `value`, and when not ok a `reason` in zh and en
(and sometimes a `suggestion` to confirm, e.g. "3" → "3 万元?").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from core.text import Bilingual, bi
from loans.numbers import MAX_INPUT_CHARS, Quantity, find_quantities

T = TypeVar("T")

# First two digits of a mainland resident ID: the province-level region of first registration.
PROVINCE_CODES: dict[str, Bilingual] = {
    "11": bi("北京", "Beijing"), "12": bi("天津", "Tianjin"), "13": bi("河北", "Hebei"), "14": bi("山西", "Shanxi"),
    "15": bi("内蒙古", "Inner Mongolia"), "21": bi("辽宁", "Liaoning"), "22": bi("吉林", "Jilin"),
    "23": bi("黑龙江", "Heilongjiang"), "31": bi("上海", "Shanghai"), "32": bi("江苏", "Jiangsu"),
    "33": bi("浙江", "Zhejiang"), "34": bi("安徽", "Anhui"), "35": bi("福建", "Fujian"), "36": bi("江西", "Jiangxi"),
    "37": bi("山东", "Shandong"), "41": bi("河南", "Henan"), "42": bi("湖北", "Hubei"), "43": bi("湖南", "Hunan"),
    "44": bi("广东", "Guangdong"), "45": bi("广西", "Guangxi"), "46": bi("海南", "Hainan"),
    "50": bi("重庆", "Chongqing"), "51": bi("四川", "Sichuan"), "52": bi("贵州", "Guizhou"),
    "53": bi("云南", "Yunnan"), "54": bi("西藏", "Tibet"), "61": bi("陕西", "Shaanxi"), "62": bi("甘肃", "Gansu"),
    "63": bi("青海", "Qinghai"), "64": bi("宁夏", "Ningxia"), "65": bi("新疆", "Xinjiang"),
}  # fmt: skip
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)
_PHONE = re.compile(r"1[3-9]\d{9}")
_PHONE_SEPARATORS = re.compile(r"[\s\-–—()（）.·]")


class Checked(BaseModel, Generic[T]):
    """Outcome of validating one answer."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    value: T | None = None
    reason: Bilingual | None = None
    suggestion: T | None = None

    @classmethod
    def good(cls, value: T) -> Checked[T]:
        """A valid, normalised value."""
        return cls(ok=True, value=value)

    @classmethod
    def bad(cls, reason: Bilingual, suggestion: T | None = None) -> Checked[T]:
        """An invalid answer, with why (and optionally what the farmer probably meant)."""
        return cls(ok=False, reason=reason, suggestion=suggestion)


class ResidentId(BaseModel):
    """A valid 18-character resident ID number and what it tells."""

    model_config = ConfigDict(frozen=True)

    number: str
    birth_date: date
    province_code: str

    def age_on(self, day: date) -> int:
        """Age in whole years on `day`."""
        return age_on(self.birth_date, day)

    @property
    def masked(self) -> str:
        """The number with the middle hidden, e.g. 4408**********123X."""
        return mask_id(self.number)


def age_on(birth: date, day: date) -> int:
    """Completed years between `birth` and `day` (a 29 February birthday counts on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")[: MAX_INPUT_CHARS * 2].strip()


def _too_long(text: str) -> bool:
    return len(text) > MAX_INPUT_CHARS


TOO_LONG = bi("内容太长了，请只发号码或数字。", "That is too long: please send just the number.")


def validate_phone(text: str) -> Checked[str]:
    """A mainland mobile number: 11 digits starting 13–19; spaces, dashes, +86 and full-width digits tolerated."""
    if _too_long(text):
        return Checked[str].bad(TOO_LONG)
    raw = _PHONE_SEPARATORS.sub("", _clean(text))
    if not raw:
        return Checked[str].bad(
            bi(
                "没有收到手机号，请发 11 位手机号码。",
                "No phone number received: please send your 11-digit mobile number.",
            )
        )
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    elif raw.startswith("86") and len(raw) == 13:
        raw = raw[2:]
    if not raw.isascii() or not raw.isdigit():
        return Checked[str].bad(
            bi(
                "手机号只能是数字，请重新发送 11 位手机号码。",
                "A phone number has only digits: please send your 11-digit mobile number again.",
            )
        )
    if len(raw) != 11:
        return Checked[str].bad(
            bi(
                f"手机号应为 11 位，您发的是 {len(raw)} 位，请核对后重发。",
                f"A mobile number has 11 digits; this one has {len(raw)}. Please check and resend.",
            )
        )
    if not _PHONE.fullmatch(raw):
        return Checked[str].bad(
            bi(
                "这不像手机号（应以 13–19 开头），如是座机请留手机号。",
                "That does not look like a mobile number (it should start with 13–19). "
                "Please give a mobile, not a landline.",
            )
        )
    return Checked[str].good(raw)


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def validate_resident_id(text: str, *, today: date) -> Checked[ResidentId]:
    """An 18-character resident ID: province code, real birth date not after `today`, correct check character."""
    if _too_long(text):
        return Checked[ResidentId].bad(TOO_LONG)
    raw = re.sub(r"[\s\-]", "", _clean(text)).upper()
    if not raw:
        return Checked[ResidentId].bad(
            bi(
                "没有收到身份证号，请发 18 位身份证号码。",
                "No ID number received: please send your 18-character ID number.",
            )
        )
    if len(raw) != 18:
        return Checked[ResidentId].bad(
            bi(
                f"身份证号应为 18 位，您发的是 {len(raw)} 位，请核对。",
                f"An ID number has 18 characters; this one has {len(raw)}. Please check.",
            )
        )
    if not (raw[:17].isascii() and raw[:17].isdigit()) or raw[17] not in "0123456789X":
        return Checked[ResidentId].bad(
            bi(
                "身份证号前 17 位是数字，最后一位是数字或 X，请核对。",
                "The first 17 characters are digits and the last is a digit or X. Please check.",
            )
        )
    if raw[:2] not in PROVINCE_CODES:
        return Checked[ResidentId].bad(
            bi(
                "身份证号开头两位不是有效的省份代码，请核对。",
                "The first two digits are not a valid province code. Please check.",
            )
        )
    try:
        birth = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        return Checked[ResidentId].bad(
            bi(
                "身份证号里的出生日期（第 7–14 位）不是真实日期，请核对。",
                "The birth date inside the number (characters 7–14) is not a real date. Please check.",
            )
        )
    if birth > today or birth < _EARLIEST_BIRTH:
        return Checked[ResidentId].bad(
            bi("身份证号里的出生日期不可能，请核对。", "The birth date inside the number is impossible. Please check.")
        )
    if id_check_char(raw[:17]) != raw[17]:
        return Checked[ResidentId].bad(
            bi(
                "身份证号最后一位校验不对，可能有一位抄错了，请对照身份证再发一次。",
                "The last (check) character does not match: a digit may be mistyped. "
                "Please copy it from your ID card again.",
            )
        )
    return Checked[ResidentId].good(ResidentId(number=raw, birth_date=birth, province_code=raw[:2]))


def mask_id(number: str) -> str:
    """Show the first 4 and last 4 characters only: 4408**********123X."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str) -> str:
    """Show the first 3 and last 4 digits only: 138****5678."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def _yuan(value: Decimal) -> str:
    return f"{value:,.0f}"


def _wan(value: Decimal) -> str:
    return format((value / 10_000).normalize(), "f")


def parse_amount(text: str, *, cap_yuan: int, min_yuan: int = 1000) -> Checked[int]:
    """A loan amount in yuan from farmer styles ("3万", "两万五", "3w", "2.5万元", "30000"), within the cap."""
    if _too_long(text):
        return Checked[int].bad(TOO_LONG)
    amounts = [q for q in find_quantities(text) if q.unit in (None, "yuan")]
    if not amounts:
        return Checked[int].bad(
            bi(
                "没看到金额，请直接说想借多少，例如“3万”或“30000元”。",
                'I could not see an amount: say how much, e.g. "30000" or "3万".',
            )
        )
    if len({q.value for q in amounts}) > 1:
        return Checked[int].bad(bi("请只说一个金额，例如“3万”。", "Please give one amount, e.g. 30000."))
    quantity = amounts[0]
    value = quantity.value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if value <= 0:
        return Checked[int].bad(bi("金额要大于 0。", "The amount must be more than 0."))
    if _probably_wan(quantity, value, cap_yuan):
        guess = int(value * 10_000)
        return Checked[int].bad(
            bi(
                f"您是说 {_wan(value * 10_000)} 万元（{_yuan(value * 10_000)} 元）吗？",
                f"Do you mean {_yuan(value * 10_000)} yuan ({_wan(value * 10_000)} 万)?",
            ),
            suggestion=guess,
        )
    if value < min_yuan:
        return Checked[int].bad(
            bi(
                f"金额太小：最少 {_yuan(Decimal(min_yuan))} 元。",
                f"That is too small: the minimum is {_yuan(Decimal(min_yuan))} yuan.",
            )
        )
    if value > cap_yuan:
        return Checked[int].bad(
            bi(
                f"{_yuan(value)} 元超过了上限 {_yuan(Decimal(cap_yuan))} 元（{_wan(Decimal(cap_yuan))} 万）。"
                "请说一个不超过上限的金额。",
                f"{_yuan(value)} yuan is above the cap of {_yuan(Decimal(cap_yuan))} yuan. "
                "Please give an amount within the cap.",
            ),
            suggestion=cap_yuan,
        )
    return Checked[int].good(int(value))


def _probably_wan(quantity: Quantity, value: Decimal, cap_yuan: int) -> bool:
    """A bare small number such as "3" most likely means 3 万 (if that is within the cap)."""
    return not quantity.scaled and quantity.unit is None and value < 100 and value * 10_000 <= cap_yuan


def parse_term(text: str, *, cap_months: int, min_months: int = 1) -> Checked[int]:
    """A loan term in months from "3年", "36个月", "两年", "1 year", "一年半", within the cap."""
    if _too_long(text):
        return Checked[int].bad(TOO_LONG)
    quantities = find_quantities(text)
    terms = [q for q in quantities if q.unit in ("year", "month")]
    if not terms:
        bare = [q for q in quantities if q.unit is None and not q.scaled]
        if len(bare) == 1:
            return _guess_term(bare[0].value, cap_months)
        return Checked[int].bad(
            bi(
                "没看到期限，请说借几年，例如“3年”或“36个月”。",
                'I could not see a term: say how long, e.g. "3 years" or "36 months".',
            )
        )
    months_found = {_months(q) for q in terms}
    if len(months_found) > 1:
        return Checked[int].bad(bi("请只说一个期限，例如“2年”。", "Please give one term, e.g. 2 years."))
    months = months_found.pop()
    if months != months.to_integral_value() or months < min_months:
        return Checked[int].bad(
            bi("期限请按整月说，例如“18个月”。", "Please give the term in whole months, e.g. 18 months.")
        )
    if months > cap_months:
        return Checked[int].bad(
            bi(
                f"期限超过上限 {_term_zh(cap_months)}，请说一个更短的期限。",
                f"That is longer than the cap of {_term_en(cap_months)}. Please give a shorter term.",
            ),
            suggestion=cap_months,
        )
    return Checked[int].good(int(months))


def _months(quantity: Quantity) -> Decimal:
    return quantity.value * 12 if quantity.unit == "year" else quantity.value


def _guess_term(value: Decimal, cap_months: int) -> Checked[int]:
    if value == value.to_integral_value() and 1 <= value <= 5 and value * 12 <= cap_months:
        months = int(value) * 12
        return Checked[int].bad(bi(f"您是说 {value} 年吗？", f"Do you mean {value} years?"), suggestion=months)
    if value == value.to_integral_value() and 6 <= value <= cap_months:
        return Checked[int].bad(bi(f"您是说 {value} 个月吗？", f"Do you mean {value} months?"), suggestion=int(value))
    return Checked[int].bad(bi("请说借几年或几个月，例如“3年”。", "Please say how many years or months, e.g. 3 years."))


def _term_zh(months: int) -> str:
    return f"{months // 12} 年" if months % 12 == 0 else f"{months} 个月"


def _term_en(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return f"{years} year" + ("s" if years != 1 else "")
    return f"{months} months"


def term_text(months: int) -> Bilingual:
    """A term for display: "3 年" / "3 years", or months when not whole years."""
    return bi(_term_zh(months), _term_en(months))
