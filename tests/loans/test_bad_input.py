from datetime import date

import pytest

from loans.calculator import parse_loan_question
from loans.stations import StationMatcher, load_stations
from loans.validation import parse_amount, parse_term, validate_phone, validate_resident_id

NASTY = [
    "",
    " ",
    "🐷" * 50,
    "x" * 10_000,
    "3" * 10_000,
    "万万万万",
    "\x00\x01",
    "١٢٣٤٥",
    "0.0.0万",
    "-3万",
    "<img src=x>",
]


@pytest.mark.parametrize("text", NASTY)
def test_every_parser_answers_nasty_input_without_raising(text):
    for checked in (
        validate_phone(text),
        validate_resident_id(text, today=date(2026, 11, 23)),
        parse_amount(text, cap_yuan=50000),
        parse_term(text, cap_months=36),
    ):
        assert checked.ok or (checked.reason is not None and checked.reason.zh and checked.reason.en)
    question = parse_loan_question(text)
    assert question is None or question.amount_yuan is None or question.amount_yuan > 0
    assert StationMatcher(load_stations()).match(text).message("zh")
