"""Property test: every ID and phone format the validators accept is masked, leaving no run of the number."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import find_personal_numbers, mask_personal_data
from loans.validation import PROVINCE_CODES, id_check_char, validate_phone, validate_resident_id

TODAY = date(2026, 12, 4)
_FULL_WIDTH = str.maketrans("0123456789Xx+-", "０１２３４５６７８９Ｘｘ＋－")
_WRAPS = st.sampled_from([("", ""), ("我的号码是", "，谢谢"), ("my number is ", " thanks"), ("身份证：", "。")])


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, str]:
    """(digits, as typed): a mainland mobile with a prefix, grouping and digit width a farmer might use."""
    digits = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    sep = draw(st.sampled_from(["", " ", "-", " - ", "  "]))
    groups = draw(st.sampled_from([(11,), (3, 4, 4), (3, 8), (7, 4)]))
    parts, at = [], 0
    for size in groups:
        parts.append(digits[at : at + size])
        at += size
    typed = sep.join(parts)
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "+86-"]))
    typed = prefix + typed
    if draw(st.booleans()):
        typed = typed.translate(_FULL_WIDTH)
    return digits, typed


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, str]:
    """(number, as typed): a valid resident ID with spaces or dashes, full-width digits, lower-case x."""
    region = draw(st.sampled_from(sorted(PROVINCE_CODES))) + draw(st.text("0123456789", min_size=4, max_size=4))
    birth = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 12, 31)))
    first17 = region + birth.strftime("%Y%m%d") + draw(st.text("0123456789", min_size=3, max_size=3))
    number = first17 + id_check_char(first17)
    typed = number.lower() if draw(st.booleans()) else number
    sep = draw(st.sampled_from(["", " ", "-"]))
    if sep:
        typed = sep.join([typed[:6], typed[6:14], typed[14:]])
    if draw(st.booleans()):
        typed = typed.translate(_FULL_WIDTH)
    return number, typed


def _digits_only(text: str) -> str:
    return "".join(ch for ch in text.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if ch.isdigit())


def _runs(number: str, size: int = 5) -> set[str]:
    return {number[i : i + size] for i in range(len(number) - size + 1)}


@settings(max_examples=200, deadline=None)
@given(phones(), _WRAPS)
def test_every_accepted_phone_format_is_masked_without_a_run_of_the_number(phone: tuple[str, str], wrap) -> None:
    digits, typed = phone
    assert validate_phone(typed).value == digits  # the validators accept this format
    masked = mask_personal_data(wrap[0] + typed + wrap[1])
    left = _digits_only(masked)
    assert not any(run in left for run in _runs(digits)), masked
    assert [span.kind for span in find_personal_numbers(typed)] == ["phone"]


@settings(max_examples=200, deadline=None)
@given(resident_ids(), _WRAPS)
def test_every_accepted_id_format_is_masked_without_a_run_of_the_number(resident: tuple[str, str], wrap) -> None:
    number, typed = resident
    checked = validate_resident_id(typed, today=TODAY)
    assert checked.value is not None and checked.value.number == number
    masked = mask_personal_data(wrap[0] + typed + wrap[1])
    left = _digits_only(masked)
    assert not any(run in left for run in _runs(number[:17])), masked
    assert [span.kind for span in find_personal_numbers(typed)] == ["id"]


@settings(max_examples=100, deadline=None)
@given(phones(), resident_ids())
def test_a_phone_and_an_id_typed_in_one_message_are_both_masked(phone: tuple[str, str], resident) -> None:
    masked = mask_personal_data(f"{phone[1]} {resident[1]}")
    left = _digits_only(masked)
    assert not any(run in left for run in _runs(phone[0]) | _runs(resident[0][:17])), masked
