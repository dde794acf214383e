from decimal import Decimal

import pytest

from loans.calculator import equal_instalments, interest_only, parse_loan_question, quote, quote_text
from loans.ruleset import load_rules

D = Decimal


def test_interest_only_yearly_pays_simple_interest_then_principal():
    # 30,000 × 3.5 % = 1,050 a year; three years → 3,150; principal with the last payment.
    plan = interest_only(D(30000), 36, D("0.035"), period_months=12)
    assert [(p.month, p.principal, p.interest) for p in plan.payments] == [
        (12, 0, D("1050.00")),
        (24, 0, D("1050.00")),
        (36, D(30000), D("1050.00")),
    ]
    assert plan.total_interest == D("3150.00") and plan.total_farmer_pays == D("33150.00")


def test_interest_only_with_70_percent_subsidy_leaves_30_percent_to_the_farmer():
    # 1,050 × 0.7 = 735 subsidy a year; the farmer pays 315 a year, 945 in all.
    plan = interest_only(D(30000), 36, D("0.035"), subsidy_share=D("0.7"), period_months=12)
    assert all(p.subsidy == D("735.00") for p in plan.payments)
    assert plan.farmer_interest == D("945.00") and plan.total_subsidy == D("2205.00")
    assert plan.paid_in_year(1) == D("315.00") and plan.paid_in_year(1, with_subsidy=False) == D("1050.00")


def test_interest_only_quarterly_for_one_year():
    # 30,000 × 3 % / 4 = 225 a quarter.
    plan = interest_only(D(30000), 12, D("0.03"), period_months=3)
    assert [p.interest for p in plan.payments] == [D("225.00")] * 4
    assert [p.month for p in plan.payments] == [3, 6, 9, 12]


def test_interest_only_last_period_is_shorter_when_term_is_not_a_multiple():
    # 10,000 × 4 % = 400 for months 1–12, then 200 for months 13–18 with the principal.
    plan = interest_only(D(10000), 18, D("0.04"), period_months=12)
    assert [(p.month, p.principal, p.interest) for p in plan.payments] == [
        (12, 0, D("400.00")),
        (18, D(10000), D("200.00")),
    ]


def test_equal_instalments_textbook_example():
    # 100,000 at 12 % a year (1 % a month) over 12 months: PMT = 100000·0.01·1.01¹²/(1.01¹²−1) = 8,884.88.
    plan = equal_instalments(D(100000), 12, D("0.12"))
    assert plan.payments[0].principal + plan.payments[0].interest == D("8884.88")
    assert plan.payments[0].interest == D("1000.00")  # first month: 1 % of the whole balance
    assert sum(p.principal for p in plan.payments) == D(100000)
    assert abs(plan.total_interest - D("6618.55")) <= D("0.02")


def test_equal_instalments_at_zero_interest_split_the_principal():
    plan = equal_instalments(D(12000), 12, D(0))
    assert all(p.principal == D(1000) and p.interest == 0 for p in plan.payments)


def test_full_subsidy_means_the_farmer_repays_only_the_principal():
    plan = equal_instalments(D(20000), 24, D("0.035"), subsidy_share=D(1))
    assert plan.total_interest > 0 and plan.farmer_interest == 0 and plan.total_farmer_pays == D(20000)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        equal_instalments(D(0), 12, D("0.03"))
    with pytest.raises(ValueError):
        interest_only(D(1000), 12, D("0.03"), subsidy_share=D("1.5"))


def test_quote_uses_the_profile_rate_band_subsidy_and_period():
    county = load_rules("sample-county-zj")
    q = quote(30000, 36, county)
    assert q.annual_rate == county.interest.lpr_5y_percent / 100
    assert q.period_months == 12 and q.subsidy_share == D("0.7")
    short = quote(30000, 12, load_rules("national"))
    assert short.annual_rate == load_rules("national").interest.lpr_1y_percent / 100


def test_quote_text_is_compact_and_bilingual():
    q = quote(30000, 36, load_rules("sample-county-zj"))
    zh, en = quote_text(q, "zh", "year"), quote_text(q, "en", "year")
    assert "1,050" in zh and "945" in zh and "第一年约（贴息后）：按期付息 315 元" in zh and "银行合同" in zh
    assert "1,050" in en and "945" in en and "First year (after subsidy): about 315 yuan" in en
    assert len(zh.splitlines()) <= 7 and len(en.splitlines()) <= 7


def test_quote_text_without_subsidy_says_it_was_not_counted():
    q = quote(20000, 12, load_rules("national"))
    assert "未算贴息" in quote_text(q, "zh") and "No interest subsidy counted" in quote_text(q, "en")


@pytest.mark.parametrize(
    ("text", "amount", "months", "per"),
    [
        ("借3万3年每年还多少", 30000, 36, "year"),
        ("borrow 30000 for 2 years, how much per month", 30000, 24, "month"),
        ("贷款5万两年一共还多少", 50000, 24, "total"),
        ("borrow 20000 for a year", 20000, 12, None),
        ("两万五借18个月月供多少", 25000, 18, "month"),
        ("3年借3万每个月还多少钱", 30000, 36, "month"),
        ("how much interest on 3w for 36 months", 30000, 36, "total"),
    ],
)
def test_free_questions_give_amount_term_and_what_is_asked(text, amount, months, per):
    question = parse_loan_question(text)
    assert question is not None
    assert (question.amount_yuan, question.term_months, question.per) == (amount, months, per)


def test_question_without_numbers_is_not_a_calculation():
    assert parse_loan_question("利率是多少") is None
    assert parse_loan_question("") is None
