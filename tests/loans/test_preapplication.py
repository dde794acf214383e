"""Reading pre-application answers: names, places, yes/no, corrections, the stored form."""

from __future__ import annotations

from datetime import date

import pytest

from loans.consent import CURRENT_CONSENT_VERSION
from loans.preapplication import PreApplicationService, field_to_correct
from loans.stations import StationMatcher, load_stations


@pytest.fixture(scope="module")
def service() -> PreApplicationService:
    stations = load_stations()
    return PreApplicationService(matcher=StationMatcher(stations), stations=stations, today=lambda: date(2026, 12, 1))


@pytest.mark.parametrize(("said", "name"), [("我叫王秀英", "王秀英"), ("my name is Li Jianguo", "Li Jianguo")])
def test_a_name_is_read_without_its_lead_in(service: PreApplicationService, said: str, name: str):
    assert service.check("applicant_name", said, {}).updates == {"applicant_name": name, "name_to_confirm": None}


@pytest.mark.parametrize("said", ["你好", "我要申请贷款", "谢谢", "123", "利息多少？"])
def test_greetings_requests_and_numbers_are_not_names(service: PreApplicationService, said: str):
    assert not service.check("applicant_name", said, {}).ok


def test_an_unknown_place_lists_the_townships_to_choose_from(service: PreApplicationService):
    result = service.check("place", "东山乡李家村", {})

    assert not result.ok and result.counts_as_failure
    assert [c.value for c in result.choices] == ["ZJ-QS|", "ZJ-HX|", "ZJ-HG|", "HD-LX|", "HD-DM|"]


def test_a_bare_number_for_the_amount_is_asked_back_not_refused(service: PreApplicationService):
    result = service.check("amount", "3", {})

    assert not result.ok and not result.counts_as_failure
    assert result.reason is not None and "3 万元" in result.reason.zh
    assert [c.value for c in result.choices] == ["30000"]


@pytest.mark.parametrize(
    ("said", "value"),
    [("没有", False), ("没得", False), ("有两笔", True), ("还有一笔信用社的没还完", True), ("choice:yes", True)],
)
def test_other_loans_reads_yes_and_no(service: PreApplicationService, said: str, value: bool):
    assert service.check("other_loans", said, {}).updates == {"other_loans": value}


def test_consent_refused_explains_and_offers_to_cancel(service: PreApplicationService):
    result = service.check("consent", "不同意", {})

    assert not result.ok and not result.counts_as_failure
    assert "/cancel_form" in [c.value for c in result.choices]
    assert service.check("consent", "我同意", {}).updates == {"consent": CURRENT_CONSENT_VERSION}
    assert not service.check("consent", "还有个问题", {}).ok


@pytest.mark.parametrize(
    ("said", "field"),
    [("电话填错了", "phone"), ("身份证号打错了", "resident_id"), ("change the village", "place"), ("改一下", None)],
)
def test_a_correction_names_its_field(said: str, field: str | None):
    assert field_to_correct(said) == field


@pytest.mark.parametrize("said", ["确认提交", "提交", "确认", "好的呀", "send", "Submit", "choice:yes"])
def test_the_summary_is_confirmed_by_a_typed_button_title_or_a_plain_yes(service: PreApplicationService, said: str):
    assert service.check("confirmed", said, {}).updates == {"confirmed": True}


@pytest.mark.parametrize("said", ["好像不对", "不提交", "修改一下电话", "no"])
def test_a_doubt_or_a_no_at_the_summary_is_not_a_confirmation(service: PreApplicationService, said: str):
    assert not service.check("confirmed", said, {}).ok


def test_the_stored_form_carries_the_farmers_village_in_both_languages(service: PreApplicationService):
    slots = {
        "form_token": "web-9-form-0001",
        "applicant_name": "李保国",
        "phone": "13812345678",
        "resident_id": "440882197403151236",
        "household_status": "lifted_out",
        "amount": 30000,
        "term": 36,
        "purpose": "livestock",
        "place": "ZJ-QS|东岭村",
        "consent": CURRENT_CONSENT_VERSION,
    }

    form = service.build_form(slots, channel="web", external_id="9", lang="zh")
    township_only = service.build_form({**slots, "place": "ZJ-QS|"}, channel="web", external_id="9", lang="zh")

    assert (form.station_code, form.village_zh, form.village_en) == ("ZJ-QS", "东岭村", "Dongling Village")
    assert (township_only.station_code, township_only.village_zh) == ("ZJ-QS", None)
