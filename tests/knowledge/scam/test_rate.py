"""Private-lending interest: annualising amounts and terms, and the 4 × LPR cap."""

from pathlib import Path

import pytest

from knowledge.scam.detector import ScamDetector
from knowledge.scam.rate import LprConfig, LprConfigError, find_annual_rate, format_percent


def test_lpr_config_has_value_date_and_four_times_cap(lpr: LprConfig) -> None:
    assert 0 < lpr.one_year_lpr_percent < 10
    assert len(lpr.date) == 10 and lpr.date[4] == "-"
    assert lpr.cap == pytest.approx(lpr.one_year_lpr_percent * 4 / 100)


def test_one_month_repayment_of_1200_on_10000_is_far_above_cap(lpr: LprConfig) -> None:
    finding = find_annual_rate("借1万，一个月还1200")
    assert finding is not None
    assert finding.annual_rate == pytest.approx(1200 / 10000 * 365 / 30)
    assert finding.annual_rate > lpr.cap


def test_stated_monthly_rate_in_fen_is_annualised() -> None:
    finding = find_annual_rate("月息3分，手续简单")
    assert finding is not None and finding.annual_rate == pytest.approx(0.36)


def test_instalments_are_solved_as_an_annuity() -> None:
    finding = find_annual_rate("借你2万，每月还2000，分12期")
    assert finding is not None
    assert 0.34 < finding.annual_rate < 0.36


def test_interest_taken_off_the_top_counts_only_the_money_received() -> None:
    finding = find_annual_rate("借5000块，到手4000，一周后还5000")
    assert finding is not None
    assert finding.annual_rate == pytest.approx(1000 / 4000 * 365 / 7)


def test_english_amounts_and_term_are_annualised() -> None:
    finding = find_annual_rate("I can lend you 1000, pay back 1500 in two weeks")
    assert finding is not None
    assert finding.annual_rate == pytest.approx(500 / 1000 * 365 / 14)


def test_message_without_amounts_or_rate_gives_no_finding() -> None:
    assert find_annual_rate("明天去信用社问问贷款的事") is None


def test_bank_rate_below_cap_raises_no_signal(rules_only: ScamDetector) -> None:
    assert "rate_above_cap" not in rules_only.assess("贷款5万，年利率3.85%，期限3年").signal_codes()


def test_rate_signal_explains_rate_cap_and_lpr_date(rules_only: ScamDetector, lpr: LprConfig) -> None:
    signal = next(s for s in rules_only.assess("借1万，一个月还1200").signals if s.code == "rate_above_cap")
    assert "146%" in signal.explanation_zh and "146%" in signal.explanation_en
    assert format_percent(lpr.cap) in signal.explanation_zh
    assert lpr.date in signal.explanation_zh and lpr.date in signal.explanation_en


def test_a_higher_lpr_raises_the_cap_above_a_moderate_rate(rules_only: ScamDetector) -> None:
    text = "月利率1.5%"  # 18 % a year
    assert "rate_above_cap" in rules_only.assess(text).signal_codes()
    generous = ScamDetector(rules_only._rules, lpr=LprConfig(one_year_lpr_percent=5.0, date="2000-01-01"))
    assert "rate_above_cap" not in generous.assess(text).signal_codes()


def test_missing_lpr_file_raises_project_error(tmp_path: Path) -> None:
    with pytest.raises(LprConfigError):
        LprConfig.from_yaml(tmp_path / "absent.yaml")
