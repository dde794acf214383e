import csv
import io
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.campaigns.report import (
    arrivals_by_day,
    cell,
    funnel_bar_svg,
    funnel_totals,
    group_cells,
    line_chart_svg,
    summary_rows,
    to_csv,
    to_table,
)
from store.campaign_report import DayCounts, FunnelReport, PlacementFunnel, QuestionCount


@pytest.mark.parametrize(("count", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (123, "123")])
def test_small_cells_are_hidden(count, shown):
    assert cell(count) == shown


def report():
    big = PlacementFunnel(
        "qs-scam",
        "冬季防骗",
        "abcd12",
        "poster",
        "李家村",
        arrivals=12,
        asked=7,
        handoffs=2,
        started=5,
        submitted=3,
        approved=1,
        declined=0,
    )
    big.questions_by_topic.update(scam=9, loan=2)
    big.days = [DayCounts(date(2026, 12, 1), arrivals=9, asked=5), DayCounts(date(2026, 12, 3), arrivals=3, asked=2)]
    small = PlacementFunnel("qs-scam", "冬季防骗", "efgh34", "leaflet", "集市", arrivals=3, asked=1)
    small.days = [DayCounts(date(2026, 12, 2), arrivals=3, asked=1)]
    return FunnelReport(
        model="first",
        placements=[big, small],
        unknown_arrivals=2,
        expired_arrivals=0,
        not_started_arrivals=0,
        top_questions=[QuestionCount("贷款要交保证金吗", 6, 8)],
        unanswered_questions=[QuestionCount("猪瘟保险赔多少", 1, 1)],
    )


def test_summary_rows_never_show_a_count_below_five():
    rows = summary_rows(report())
    numbers = [
        value for row in rows for key, value in row.items() if key not in ("campaign", "placement", "kind", "location")
    ]
    assert all(value == "<5" or value == "0" or int(value) >= 5 for value in numbers)
    assert rows[0]["arrivals"] == "12" and rows[0]["handoffs"] == "<5" and rows[1]["arrivals"] == "<5"


def test_csv_has_totals_and_days_with_small_cells_hidden():
    rows = list(csv.DictReader(io.StringIO(to_csv(report()))))
    assert [(r["row"], r["placement"], r["day"]) for r in rows] == [
        ("total", "abcd12", ""),
        ("day", "abcd12", "2026-12-01"),
        ("day", "abcd12", "2026-12-03"),
        ("total", "efgh34", ""),
        ("day", "efgh34", "2026-12-02"),
    ]
    # day 2 of the poster (3) is hidden, so day 1 (9) is hidden too: the total 12 minus 9 would give it away
    assert rows[1]["arrivals"] == "≥5" and rows[2]["arrivals"] == "<5" and rows[0]["questions_scam"] == "9"


def test_table_lists_placements_and_questions():
    table = to_table(report())
    assert "李家村" in table and "efgh34" in table and "unknown payloads: <5" in table
    assert "贷款要交保证金吗" in table and "猪瘟保险赔多少" in table
    assert not re.search(r"\b[1-4]\b\s+猪瘟", table)


def test_arrivals_by_day_fill_gaps_and_add_only_shown_cells():
    days = [(day.isoformat(), total.shown) for day, total in arrivals_by_day(report())]
    assert days == [("2026-12-01", "≥5"), ("2026-12-02", "<5"), ("2026-12-03", "<5")]


def test_line_chart_hides_small_days_in_the_band():
    svg = line_chart_svg(arrivals_by_day(report()))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "2026-12-02: &lt;5" in svg and ": 3<" not in svg and ": 9<" not in svg


def test_funnel_bar_never_adds_small_cells_into_totals():
    svg = funnel_bar_svg(funnel_totals(report()))
    assert svg.count("<rect") == 7
    # 12 + 3 arrivals: the total shows ≥13, not 15 (15 − 12 would reveal the leaflet's 3)
    assert "到达 arrivals: ≥13" in svg and "转人工 hand-offs: &lt;5" in svg and "arrivals: 15" not in svg


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12))
@settings(deadline=None)
def test_a_group_never_has_exactly_one_hidden_cell_beside_exact_numbers(values):
    shown = group_cells(values)
    hidden = [text for text in shown if not text.isdigit()]
    exact_nonzero = [text for text in shown if text.isdigit() and text != "0"]
    assert len(hidden) != 1 or not exact_nonzero
    for value, text in zip(values, shown, strict=True):
        assert text in (str(value), "<5", "≥5")
        assert text != "<5" or 0 < value < 5
        assert text != "≥5" or value >= 5


def test_empty_report_draws_a_placeholder():
    assert "no arrivals yet" in line_chart_svg([])


def test_question_texts_are_masked_again_in_the_report():
    leaky = report()
    leaky.unanswered_questions = [QuestionCount("我电话13812345678，身份证440882197403151236，能贷吗", 1, 1)]
    table = to_table(leaky)
    assert "13812345678" not in table and "440882197403151236" not in table and "能贷吗" in table
