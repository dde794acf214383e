import pytest

from loans.eligibility import PreCheckInput, pre_check
from loans.ruleset import load_rules


@pytest.fixture
def national():
    return load_rules("national")


def good_answers(**changes):
    values = dict(
        household_status="lifted_out", age=52, amount_yuan=30000, term_months=36, purpose_text="养牛", credit_ok=True
    )
    values.update(changes)
    return PreCheckInput(**values)


def test_age_within_range_is_explained_in_both_languages(national):
    check = pre_check(good_answers(), national).check("age")
    assert check.outcome == "likely"
    assert check.explanation.zh == "年龄 52 岁，符合 18–65 岁。"
    assert check.explanation.en == "Age 52: within 18–65."


def test_all_rules_met_is_likely_but_still_says_the_bank_decides(national):
    report = pre_check(good_answers(), national)
    assert report.outcome == "likely"
    assert {c.rule for c in report.checks} == {"household", "age", "amount", "term", "purpose", "credit"}
    assert "银行" in report.text("zh") and "bank decides" in report.text("en")
    assert "批准" not in report.text("zh").replace("不是审批结果", "")


def test_age_above_county_limit_is_unlikely_under_the_sample_county_only(national):
    county = load_rules("sample-county-zj")
    assert pre_check(good_answers(age=62), national).check("age").outcome == "likely"
    check = pre_check(good_answers(age=62), county).check("age")
    assert check.outcome == "unlikely" and "18–60" in check.explanation.zh and "outside 18–60" in check.explanation.en


def test_amount_over_cap_is_unlikely_and_names_the_cap(national):
    report = pre_check(good_answers(amount_yuan=80000), national)
    check = report.check("amount")
    assert report.outcome == "unlikely" and check.outcome == "unlikely"
    assert "50,000" in check.explanation.zh and "above the 50,000 cap" in check.explanation.en


def test_term_over_cap_is_unlikely(national):
    check = pre_check(good_answers(term_months=48), national).check("term")
    assert check.outcome == "unlikely" and "4 年" in check.explanation.zh and "4 years" in check.explanation.en


@pytest.mark.parametrize(
    ("purpose", "outcome"),
    [
        ("养牛", "likely"),
        ("种甘蔗买化肥", "likely"),
        ("build a greenhouse for vegetables", "likely"),
        ("开个小卖部", "likely"),
        ("盖房子", "unlikely"),
        ("儿子结婚办酒", "unlikely"),
        ("买理财", "unlikely"),
        ("入股合作社分红", "unlikely"),
        ("buy a car", "unlikely"),
        ("随便用用", "needs_check"),
        ("养猪也想装修一下", "needs_check"),
    ],
)
def test_purpose_is_classified_allowed_forbidden_or_unclear(national, purpose, outcome):
    assert pre_check(good_answers(purpose_text=purpose), national).check("purpose").outcome == outcome


def test_forbidden_purpose_explains_why_in_both_languages(national):
    check = pre_check(good_answers(purpose_text="盖房子"), national).check("purpose")
    assert "建房" in check.explanation.zh and "not allowed" in check.explanation.en


def test_unknown_answers_need_checking_not_refusal(national):
    report = pre_check(PreCheckInput(), national)
    assert report.outcome == "needs_check"
    assert all(c.outcome == "needs_check" for c in report.checks)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("lifted_out", "likely"), ("monitored", "likely"), ("not_sure", "needs_check"), ("neither", "unlikely")],
)
def test_household_status_outcomes(national, status, outcome):
    check = pre_check(good_answers(household_status=status), national).check("household")
    assert check.outcome == outcome


def test_not_sure_household_is_told_to_ask_the_village_committee(national):
    check = pre_check(good_answers(household_status="not_sure"), national).check("household")
    assert "村委会" in check.explanation.zh and "village committee" in check.explanation.en


def test_report_records_the_rules_version_used(national):
    county = load_rules("sample-county-zj")
    report = pre_check(good_answers(), county)
    assert (report.rules_id, report.rules_version) == ("sample-county-zj", county.version)
    assert any("SAMPLE" in note.en for note in report.notes)
