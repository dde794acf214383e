from loans.quotes import RepaymentQuotes


def test_question_with_amount_and_term_gets_both_schedules_in_chinese():
    text = RepaymentQuotes().quote_for("借3万3年每年还多少", "zh")
    assert text is not None
    assert "30,000" in text
    assert "等额本息" in text and "按期付息" in text
    assert "银行合同为准" in text


def test_english_question_gets_english_quote():
    text = RepaymentQuotes().quote_for("borrow 30000 for 2 years, how much per month", "en")
    assert text is not None
    assert "Equal instalments" in text


def test_question_without_amount_or_term_is_not_a_quote():
    quotes = RepaymentQuotes()
    assert quotes.quote_for("小额信贷最多能贷多少", "zh") is None
    assert quotes.quote_for("借3万可以吗", "zh") is None
    assert quotes.quote_for("3年期利率多少", "zh") is None


def test_amount_over_the_microcredit_cap_is_flagged():
    text = RepaymentQuotes().quote_for("借10万3年每月还多少", "zh")
    assert text is not None
    assert "最多 5 万元" in text


def test_an_amount_and_a_span_in_a_scam_story_get_no_repayment_quote() -> None:
    quotes = RepaymentQuotes()
    assert quotes.quote_for("每户交五千块会员费 一年后返一万 这种咋办", "zh") is None
    assert quotes.quote_for("入股一万一年给两千分红 算不算非法集资", "zh") is None
    assert quotes.quote_for("I paid 5000 yuan to join and they promised 10000 after one year", "en") is None
