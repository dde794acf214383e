from datetime import date

import pytest

from loans.validation import (
    age_on,
    mask_id,
    mask_phone,
    parse_amount,
    parse_term,
    validate_phone,
    validate_resident_id,
)

TODAY = date(2026, 11, 23)
# The worked example of GB 11643 (the first) and numbers checked by hand with the MOD 11-2 weights.
VALID_IDS = ["11010519491231002X", "440882196006010021", "440882197403151236", "130435199001014562"]


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "008613812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        " 138—1234—5678 ",
        "(138)12345678",
    ],
)
def test_phone_styles_normalise_to_eleven_digits(text):
    checked = validate_phone(text)
    assert checked.ok and checked.value == "13812345678"


@pytest.mark.parametrize(
    ("text", "reason_zh_part"),
    [
        ("", "没有收到"),
        ("1381234567", "10 位"),
        ("138123456789", "12 位"),
        ("12812345678", "13–19"),
        ("0759-2345678", "13–19"),
        ("0759-234567", "10 位"),
        ("138abc45678", "只能是数字"),
        ("😀", "只能是数字"),
        ("1" * 5000, "太长"),
    ],
)
def test_bad_phones_are_rejected_with_reason_in_both_languages(text, reason_zh_part):
    checked = validate_phone(text)
    assert not checked.ok and checked.value is None
    assert checked.reason is not None and reason_zh_part in checked.reason.zh and checked.reason.en


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_resident_ids_pass_and_give_birth_date(number):
    checked = validate_resident_id(number, today=TODAY)
    assert checked.ok and checked.value is not None
    assert checked.value.number == number
    assert checked.value.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def test_lower_case_x_spaces_and_full_width_digits_are_accepted():
    checked = validate_resident_id("１１０１０５ 1949 1231 002x", today=TODAY)
    assert checked.ok and checked.value is not None and checked.value.number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "reason_en_part"),
    [
        ("11010519491231002", "18 characters"),
        ("110105194912310021", "check"),  # wrong check digit (should be X)
        ("440524188001010014", "impossible"),  # the standard's own example, born 1880: no living applicant
        ("440882197403151235", "check"),  # one digit off
        ("440882197402301236", "not a real date"),  # 30 February
        ("440882197413011236", "not a real date"),  # month 13
        ("440882203001011236", "impossible"),  # born in 2030
        ("990882197403151236", "province"),  # 99 is no province
        ("000882197403151236", "province"),
        ("44088219740315123A", "digit or X"),
        ("", "No ID number"),
    ],
)
def test_bad_resident_ids_are_rejected_with_the_reason(number, reason_en_part):
    checked = validate_resident_id(number, today=TODAY)
    assert not checked.ok
    assert checked.reason is not None and reason_en_part in checked.reason.en and checked.reason.zh


def test_age_is_derived_at_the_given_date_around_the_birthday():
    resident = validate_resident_id("440882197403151236", today=TODAY).value
    assert resident is not None
    assert resident.age_on(date(2026, 3, 14)) == 51
    assert resident.age_on(date(2026, 3, 15)) == 52
    assert age_on(date(2000, 2, 29), date(2018, 2, 28)) == 17
    assert age_on(date(2000, 2, 29), date(2018, 3, 1)) == 18


def test_masks_hide_the_middle():
    assert mask_id("11010519491231002X") == "1101**********002X"
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("3万", 30000),
        ("三万", 30000),
        ("30000", 30000),
        ("3w", 30000),
        ("3W", 30000),
        ("两万五", 25000),
        ("2.5万元", 25000),
        ("3万5", 35000),
        ("一万二", 12000),
        ("叁万元", 30000),
        ("30k", 30000),
        ("30,000元", 30000),
        ("想借 3 万块钱", 30000),
        ("５万", 50000),
        ("两万五千", 25000),
        ("八千", 8000),
        ("一万零五百", 10500),
        ("¥20000", 20000),
        ("RMB 15000", 15000),
        ("thirty thousand yuan", 30000),
        ("30 thousand", 30000),
        ("fifty thousand", 50000),
        ("1.5w", 15000),
        ("二十五千", 25000),
    ],
)
def test_farmer_amount_styles_parse_to_yuan(text, yuan):
    checked = parse_amount(text, cap_yuan=50000)
    assert checked.ok, checked.reason
    assert checked.value == yuan


def test_amount_above_cap_is_refused_with_the_cap_suggested():
    checked = parse_amount("十万", cap_yuan=50000)
    assert not checked.ok and checked.suggestion == 50000
    assert checked.reason is not None and "50,000" in checked.reason.zh and "cap" in checked.reason.en


def test_bare_small_number_is_asked_back_as_wan():
    checked = parse_amount("3", cap_yuan=50000)
    assert not checked.ok and checked.suggestion == 30000
    assert checked.reason is not None and "3 万" in checked.reason.zh


@pytest.mark.parametrize("text", ["", "不知道", "🐷🐷", "3万到5万", "x" * 10_000])
def test_unusable_amount_answers_get_a_polite_reason(text):
    checked = parse_amount(text, cap_yuan=50000)
    assert not checked.ok and checked.reason is not None and checked.reason.zh and checked.reason.en


def test_tiny_amount_below_minimum_is_refused():
    checked = parse_amount("500元", cap_yuan=50000, min_yuan=1000)
    assert not checked.ok and checked.reason is not None and "1,000" in checked.reason.en


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("3年", 36),
        ("36个月", 36),
        ("两年", 24),
        ("1 year", 12),
        ("2 years", 24),
        ("one year", 12),
        ("一年半", 18),
        ("半年", 6),
        ("十八个月", 18),
        ("三年期", 36),
        ("１２个月", 12),
        ("24 months", 24),
        ("借两年吧", 24),
        ("2yrs", 24),
    ],
)
def test_farmer_term_styles_parse_to_months(text, months):
    checked = parse_term(text, cap_months=36)
    assert checked.ok, checked.reason
    assert checked.value == months


def test_term_above_cap_is_refused():
    checked = parse_term("5年", cap_months=36)
    assert not checked.ok and checked.suggestion == 36
    assert checked.reason is not None and "3 年" in checked.reason.zh and "3 years" in checked.reason.en


@pytest.mark.parametrize(("text", "suggested"), [("3", 36), ("18", 18)])
def test_bare_number_term_is_asked_back(text, suggested):
    checked = parse_term(text, cap_months=36)
    assert not checked.ok and checked.suggestion == suggested


def test_term_without_any_number_gets_a_reason():
    checked = parse_term("越长越好", cap_months=36)
    assert not checked.ok and checked.reason is not None and "3年" in checked.reason.zh
