"""The pre-application form actions, run with built trackers against the real services on a SQLite file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.applications import ApplicationStatusAction, DeleteFarmerData
from actions.applications_deps import ReadyServices
from actions.identity import farmer_identity
from actions.preapplication import (
    AskApplicantName,
    AskConfirmed,
    AskPhone,
    CorrectField,
    SubmitPreApplication,
    ValidatePreApplicationForm,
)
from core.channels import UnknownChannel
from loans.consent import CURRENT_CONSENT_VERSION
from loans.preapplication import FIELDS, PreApplicationService
from loans.stations import StationMatcher, load_stations
from store.applications import ApplicationStore
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import make_engine, migrate, session_factory, session_scope
from store.models import ConsentRecord
from store.stations import sync_stations

RESIDENT_ID = "440882197403151236"
TODAY = date(2026, 12, 1)
DOMAIN: dict[str, Any] = {"forms": {"preapplication_form": {"required_slots": list(FIELDS)}}}
COMPLETE: dict[str, Any] = {
    "applicant_name": "王秀英",
    "phone": "13812345678",
    "resident_id": RESIDENT_ID,
    "place": "ZJ-QS|东岭村",
    "household_status": "lifted_out",
    "purpose": "livestock",
    "purpose_note": "养牛",
    "amount": 30000,
    "term": 24,
    "other_loans": False,
    "consent": CURRENT_CONSENT_VERSION,
    "consent_at": "2026-11-30T08:15:00+00:00",
    "confirmed": True,
    "form_token": "pa-test-token-0001",
}


@pytest.fixture
def services(tmp_path: Path) -> ReadyServices:
    engine = make_engine(f"sqlite:///{tmp_path / 'forms.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    stations = load_stations()
    with session_scope(sessions) as session:
        sync_stations(session, stations)
    form = PreApplicationService(matcher=StationMatcher(stations), stations=stations, today=lambda: TODAY)
    return ReadyServices(form=form, store=ApplicationStore(sessions, FieldCipher(decode_key(generate_key()))))


def tracker(
    text: str,
    *,
    intent: str = "inform",
    requested: str | None = None,
    slots: dict[str, Any] | None = None,
    lang: str = "zh",
    sender: str = "web:farmer-1",
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    confidence: float = 0.9,
    active: bool = True,
) -> Tracker:
    """A tracker whose latest message answers (or not) the requested slot."""
    values = {"lang": lang, "requested_slot": requested, "form_token": "pa-existing-token", **(slots or {})}
    return Tracker(
        sender_id=sender,
        slots=values,
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
            "metadata": metadata or {},
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "preapplication_form"} if active else {},
        latest_action_name="action_listen",
    )


async def validate(services: ReadyServices, t: Tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ValidatePreApplicationForm(services).run(dispatcher, t, DOMAIN)
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher.messages


async def test_a_spaced_phone_number_is_accepted_normalised(services: ReadyServices):
    slots, messages = await validate(services, tracker("138 1234 5678", requested="phone"))

    assert slots["phone"] == "13812345678"
    assert messages == []


async def test_a_wrong_check_character_is_refused_with_the_reason_in_english(services: ReadyServices):
    slots, messages = await validate(services, tracker("440882197403151235", requested="resident_id", lang="en"))

    assert slots["resident_id"] is None
    assert slots["form_failures"] == {"resident_id": 1}
    assert "check" in messages[0]["text"] and "440882197403151235" not in messages[0]["text"]


async def test_the_third_failure_explains_differently_and_offers_a_person(services: ReadyServices):
    t = tracker("12345", requested="phone", slots={"form_failures": {"phone": 2}})

    slots, messages = await validate(services, t)

    assert slots["form_failures"] == {"phone": 3}
    assert "换个方式说" in messages[0]["text"]
    assert {"title": "找工作人员", "payload": "/human_handoff"} in messages[0]["buttons"]


async def test_a_question_mid_form_leaves_the_slot_for_the_interruption_rule(services: ReadyServices):
    slots, messages = await validate(services, tracker("贷款利息多少", intent="ask_loan", requested="amount"))

    assert slots == {} and messages == []


@pytest.mark.parametrize(
    ("text", "lang", "requested"),
    [("打12378有用吗", "zh", "household_status"), ("is calling 12378 any use?", "en", "place")],
)
async def test_a_question_misread_as_an_answer_mid_form_is_answered_and_the_slot_left_empty(
    services: ReadyServices, text: str, lang: str, requested: str
):
    from actions.answer import QuestionAnswerer
    from tests.actions.conftest import FakeKnowledge

    knowledge = FakeKnowledge(answer_text="12378是金融监管的投诉电话。")
    dispatcher = CollectingDispatcher()
    form = ValidatePreApplicationForm(services, QuestionAnswerer(knowledge))

    events = await form.run(dispatcher, tracker(text, intent="inform", requested=requested, lang=lang), DOMAIN)

    assert requested not in {e["name"] for e in events if e.get("event") == "slot"}
    assert [q.text for q in knowledge.questions] == [text]
    assert [m["text"] for m in dispatcher.messages] == ["12378是金融监管的投诉电话。"]


async def test_an_answer_misread_as_a_question_still_fills_the_slot(services: ReadyServices):
    slots, _ = await validate(services, tracker("三万", intent="ask_loan", requested="amount"))

    assert slots["amount"] == 30000


async def test_cancel_is_never_taken_for_a_no(services: ReadyServices):
    slots, _ = await validate(services, tracker("不办了", intent="cancel_form", requested="other_loans"))

    assert slots == {}


async def test_a_shared_telegram_contact_fills_the_phone(services: ReadyServices):
    t = tracker(
        "/share_contact",
        intent="share_contact",
        requested="phone",
        sender="tg:42",
        metadata={"contact_phone": "+8613912345678", "contact_is_own": True},
    )

    slots, _ = await validate(services, t)

    assert slots["phone"] == "13912345678"


async def test_a_village_typo_offers_did_you_mean_buttons_without_counting_a_failure(services: ReadyServices):
    slots, messages = await validate(services, tracker("东领村", requested="place"))

    assert slots["place"] is None and slots["form_failures"] is None
    payload = messages[0]["buttons"][0]["payload"]
    assert payload.startswith("/inform") and json.loads(payload[len("/inform") :]) == {
        "choice": "ZJ-QS|东岭村",
        "step": 4,
        "form": "existing-token",
    }


async def test_a_tapped_choice_fills_the_slot(services: ReadyServices):
    t = tracker(
        '/inform{"choice":"monitored"}',
        requested="household_status",
        entities=[{"entity": "choice", "value": "monitored"}],
    )

    slots, _ = await validate(services, t)

    assert slots["household_status"] == "monitored"


async def test_a_forbidden_use_is_explained(services: ReadyServices):
    slots, messages = await validate(services, tracker("盖房子", requested="purpose"))

    assert slots["purpose"] is None
    assert "不能" in messages[0]["text"] and len(messages[0]["buttons"]) == 5


async def test_answers_kept_from_an_earlier_session_stand_when_the_form_resumes(services: ReadyServices):
    t = tracker("/apply_loan", intent="apply_loan", slots={"term": 24, "other_loans": False}, active=False)
    t.events.extend(
        [{"event": "slot", "name": "term", "value": 24}, {"event": "slot", "name": "other_loans", "value": False}]
    )

    slots, messages = await validate(services, t)

    assert (slots["term"], slots["other_loans"], messages) == (24, False, [])


async def test_a_new_form_gets_a_token_once(services: ReadyServices):
    t = tracker("/apply_loan", intent="apply_loan", slots={"form_token": None})

    slots, _ = await validate(services, t)

    assert slots["form_token"].startswith("pa-") and len(slots["form_token"]) == 15


async def test_consent_records_the_wording_version_and_time(services: ReadyServices):
    t = tracker("同意", intent="affirm", requested="consent")
    t.latest_message["timestamp"] = 1796083200.0

    slots, _ = await validate(services, t)

    assert (slots["consent"], slots["consent_at"]) == (CURRENT_CONSENT_VERSION, "2026-12-01T00:00:00+00:00")


async def test_the_summary_masks_the_id_and_phone_and_explains_the_pre_check(services: ReadyServices):
    dispatcher = CollectingDispatcher()
    await AskConfirmed(services).run(dispatcher, tracker("没有", requested="confirmed", slots=COMPLETE), DOMAIN)

    text = dispatcher.messages[0]["text"]
    assert "4408**********1236" in text and RESIDENT_ID not in text
    assert "138****5678" in text and "13812345678" not in text
    assert "年龄 52 岁" in text and "不是审批结果" in text and "等额本息" in text
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["确认提交", "修改", "取消"]


async def test_confirming_twice_stores_one_application(services: ReadyServices):
    first, second = CollectingDispatcher(), CollectingDispatcher()
    t = tracker("/inform", slots=COMPLETE)

    events = await SubmitPreApplication(services).run(first, t, DOMAIN)
    await SubmitPreApplication(services).run(second, tracker("/inform", slots=COMPLETE), DOMAIN)

    apps = services.store.applications_for_farmer(channel="web", external_id="farmer-1")
    assert len(apps) == 1
    assert apps[0].reference in first.messages[0]["text"] and "身份证" in first.messages[0]["text"]
    assert "没有重复提交" in second.messages[0]["text"]
    assert {e["name"]: e["value"] for e in events}["form_token"] is None
    with services.store._sessions() as session:  # the consent time is when the farmer agreed, not when sent
        consent = session.scalars(select(ConsentRecord)).one()
    assert (consent.wording_version, consent.at.isoformat()[:16]) == (CURRENT_CONSENT_VERSION, "2026-11-30T08:15")


async def test_a_storage_failure_keeps_the_answers_and_offers_a_retry(services: ReadyServices):
    class BrokenStore:
        def submit_application(self, form: object) -> None:
            raise OSError("database is down")

    broken = ReadyServices(form=services.form, store=BrokenStore())  # type: ignore[arg-type]
    dispatcher = CollectingDispatcher()

    events = await SubmitPreApplication(broken).run(dispatcher, tracker("/inform", slots=COMPLETE), DOMAIN)

    assert events == []
    assert dispatcher.messages[0]["response"] == "utter_preapplication_save_failed"


async def test_naming_a_field_clears_it_for_the_form_to_ask_again():
    dispatcher = CollectingDispatcher()

    events = await CorrectField().run(dispatcher, tracker("电话填错了", intent="correct_field", slots=COMPLETE), DOMAIN)

    assert {e["name"]: e["value"] for e in events} == {"phone": None, "confirmed": None}


async def test_change_without_a_field_asks_which_one():
    dispatcher = CollectingDispatcher()

    events = await CorrectField().run(dispatcher, tracker("/correct_field", intent="correct_field"), DOMAIN)

    assert events == []
    assert '/correct_field{"form_field": "phone"}' in [b["payload"] for b in dispatcher.messages[0]["buttons"]]


async def test_telegram_asks_for_the_phone_with_the_contact_button_variation():
    dispatcher = CollectingDispatcher()

    await AskPhone().run(dispatcher, tracker("王秀英", sender="tg:42"), DOMAIN)

    assert dispatcher.messages[0]["response"] == "utter_ask_phone_telegram"


async def test_status_lists_the_farmers_application_in_english(services: ReadyServices):
    await SubmitPreApplication(services).run(CollectingDispatcher(), tracker("/inform", slots=COMPLETE), DOMAIN)
    dispatcher = CollectingDispatcher()

    await ApplicationStatusAction(services).run(dispatcher, tracker("status?", lang="en"), DOMAIN)

    text = dispatcher.messages[0]["text"]
    assert "ZJ-2026-000001" in text and "received" in text and "Qingshan" in text


async def test_status_without_applications_offers_to_start_one(services: ReadyServices):
    dispatcher = CollectingDispatcher()

    await ApplicationStatusAction(services).run(dispatcher, tracker("我的申请呢", sender="web:nobody"), DOMAIN)

    assert dispatcher.messages[0]["response"] == "utter_application_status"


async def test_a_question_read_as_a_status_query_is_answered_when_there_is_no_application(services: ReadyServices):
    from actions.answer import QuestionAnswerer
    from tests.actions.conftest import FakeKnowledge

    knowledge = FakeKnowledge(answer_text="Claims below the loss threshold are not paid.")
    dispatcher = CollectingDispatcher()
    status = ApplicationStatusAction(services, QuestionAnswerer(knowledge))

    await status.run(dispatcher, tracker("why was my claim rejected", lang="en", sender="web:nobody"), DOMAIN)

    assert dispatcher.messages[0]["text"] == "Claims below the loss threshold are not paid."
    assert [q.text for q in knowledge.questions] == ["why was my claim rejected"]


async def test_a_status_query_the_knowledge_base_cannot_answer_offers_the_form(services: ReadyServices):
    from actions.answer import QuestionAnswerer
    from tests.actions.conftest import FakeKnowledge

    dispatcher = CollectingDispatcher()
    status = ApplicationStatusAction(services, QuestionAnswerer(FakeKnowledge(confident=False)))

    await status.run(dispatcher, tracker("我的申请呢", sender="web:nobody"), DOMAIN)

    assert dispatcher.messages[0]["response"] == "utter_application_status"


async def test_delete_erases_personal_data_and_clears_the_form(services: ReadyServices):
    await SubmitPreApplication(services).run(CollectingDispatcher(), tracker("/inform", slots=COMPLETE), DOMAIN)
    dispatcher = CollectingDispatcher()

    events = await DeleteFarmerData(services).run(dispatcher, tracker("/confirm_delete_data"), DOMAIN)

    assert "已删除" in dispatcher.messages[0]["text"]
    assert services.store.applications_for_farmer(channel="web", external_id="farmer-1") == []
    assert services.store.count_by_status() == {"received": 1}
    assert all(e["value"] is None for e in events)


def test_identity_follows_the_sender_prefix():
    assert farmer_identity(tracker("x", sender="tg:42")) == ("telegram", "42")
    assert farmer_identity(tracker("x", sender="web:abc")) == ("web", "abc")


async def test_choice_questions_carry_their_buttons_in_the_farmers_language():
    from actions.preapplication import choice_asks

    dispatcher = CollectingDispatcher()
    household = next(a for a in choice_asks() if a.name() == "action_ask_household_status")

    await household.run(dispatcher, tracker("x", lang="en"), DOMAIN)

    assert dispatcher.messages[0]["response"] == "utter_ask_household_status"
    assert dispatcher.messages[0]["buttons"][0] == {
        "title": "Lifted out of poverty",
        "payload": '/inform{"choice":"lifted_out","step":5,"form":"existing-token"}',
    }


def test_identity_of_an_unknown_channel_prefix_is_an_error_not_web():
    with pytest.raises(UnknownChannel):
        farmer_identity(tracker("x", sender="qq:42"))


def test_identity_without_a_prefix_takes_the_channel_from_the_metadata():
    assert farmer_identity(tracker("x", sender="42", metadata={"channel": "telegram"})) == ("telegram", "42")


async def test_submit_from_an_unknown_channel_keeps_the_answers_and_says_so(services: ReadyServices):
    dispatcher = CollectingDispatcher()

    events = await SubmitPreApplication(services).run(
        dispatcher, tracker("/inform", slots=COMPLETE, sender="qq:42"), DOMAIN
    )

    assert events == []
    assert dispatcher.messages[0]["response"] == "utter_preapplication_save_failed"
    assert services.store.count_by_status() == {}


async def test_a_question_read_as_a_correction_mid_form_is_answered_and_clears_nothing():
    from actions.answer import QuestionAnswerer
    from tests.actions.conftest import FakeKnowledge

    knowledge = FakeKnowledge(answer_text="96110是国家反诈中心的预警劝阻专线。")
    dispatcher = CollectingDispatcher()
    correct = CorrectField(QuestionAnswerer(knowledge))

    events = await correct.run(
        dispatcher, tracker("96110是真的反诈电话吗", intent="correct_field", slots=COMPLETE), DOMAIN
    )

    assert events == []
    assert [q.text for q in knowledge.questions] == ["96110是真的反诈电话吗"]
    assert dispatcher.messages[0]["text"] == "96110是国家反诈中心的预警劝阻专线。"


async def test_a_real_correction_mid_form_still_clears_the_field_when_questions_can_be_answered():
    from actions.answer import QuestionAnswerer
    from tests.actions.conftest import FakeKnowledge

    knowledge = FakeKnowledge()
    correct = CorrectField(QuestionAnswerer(knowledge))

    events = await correct.run(
        CollectingDispatcher(), tracker("电话填错了，能改吗", intent="correct_field", slots=COMPLETE), DOMAIN
    )

    assert {e["name"]: e["value"] for e in events} == {"phone": None, "confirmed": None}
    assert knowledge.questions == []


async def test_a_doubtful_name_is_asked_about_and_kept_until_the_farmer_says_yes(services: ReadyServices):
    slots, messages = await validate(services, tracker("买买提艾力", requested="applicant_name"))

    assert slots["applicant_name"] is None and slots["name_to_confirm"] == "买买提艾力"
    assert slots["form_failures"] is None
    assert messages[0]["text"] == "您的名字是「买买提艾力」，对吗？"
    assert [b["title"] for b in messages[0]["buttons"]] == ["是", "不是"]

    yes = tracker("/inform", requested="applicant_name", slots=slots, entities=[{"entity": "choice", "value": "yes"}])
    slots, messages = await validate(services, yes)

    assert slots["applicant_name"] == "买买提艾力" and slots["name_to_confirm"] is None
    assert messages == []


async def test_the_name_question_is_not_repeated_while_the_farmer_is_asked_to_confirm_a_name():
    waiting = tracker("买买提艾力", requested="applicant_name", slots={"name_to_confirm": "买买提艾力"})
    fresh = tracker("/apply_loan", requested="applicant_name")

    for t, expected in ((waiting, []), (fresh, ["utter_ask_applicant_name"])):
        dispatcher = CollectingDispatcher()
        await AskApplicantName().run(dispatcher, t, DOMAIN)
        assert [m.get("response") for m in dispatcher.messages] == expected


@pytest.fixture
def vaulted(tmp_path: Path) -> ReadyServices:
    from store.number_drafts import NumberVault

    engine = make_engine(f"sqlite:///{tmp_path / 'vaulted.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    stations = load_stations()
    with session_scope(sessions) as session:
        sync_stations(session, stations)
    cipher = FieldCipher(decode_key(generate_key()))
    form = PreApplicationService(matcher=StationMatcher(stations), stations=stations, today=lambda: TODAY)
    return ReadyServices(form=form, store=ApplicationStore(sessions, cipher), numbers=NumberVault(sessions, cipher))


async def test_a_phone_behind_a_handle_is_checked_in_clear_and_the_slot_holds_only_a_handle(vaulted):
    from store.number_drafts import HANDLE

    assert vaulted.numbers is not None
    typed = vaulted.numbers.seal("web:farmer-1", "phone", "+86 138-1234-5678", "138****5678")

    slots, messages = await validate(vaulted, tracker(f"我的电话是{typed}", requested="phone"))

    assert messages == [] and HANDLE.fullmatch(slots["phone"])
    assert vaulted.numbers.reveal("web:farmer-1", slots["phone"]) == "13812345678"


async def test_a_wrong_id_behind_a_handle_is_refused_with_its_reason(vaulted):
    assert vaulted.numbers is not None
    typed = vaulted.numbers.seal("web:farmer-1", "id", "440882197403151235", "4408**********1235")

    slots, messages = await validate(vaulted, tracker(typed, requested="resident_id", lang="en"))

    assert slots["resident_id"] is None and "check" in messages[0]["text"]


async def test_the_summary_masks_and_the_submit_stores_the_numbers_behind_handles(vaulted):
    assert vaulted.numbers is not None
    sender = "web:farmer-1"
    handles = {
        "phone": vaulted.numbers.seal(sender, "phone", "13812345678", "138****5678"),
        "resident_id": vaulted.numbers.seal(sender, "id", RESIDENT_ID, "4408**********1236"),
    }
    filled = {**COMPLETE, **handles}
    dispatcher = CollectingDispatcher()
    await AskConfirmed(vaulted).run(dispatcher, tracker("", requested="confirmed", slots=filled), DOMAIN)
    summary = dispatcher.messages[0]["text"]
    assert "138****5678" in summary and "4408**********1236" in summary and "⟦" not in summary

    await SubmitPreApplication(vaulted).run(CollectingDispatcher(), tracker("确认提交", slots=filled), DOMAIN)

    stored = vaulted.store.applications_for_farmer(channel="web", external_id="farmer-1")
    assert len(stored) == 1
    assert vaulted.store.reveal_contact(stored[0].reference) == ("13812345678", RESIDENT_ID)
    assert vaulted.numbers.reveal(sender, handles["phone"]) == handles["phone"]  # forgotten after the submit
    assert vaulted.numbers.purge_requested(sender)  # and the conversation is to be erased


async def test_a_number_whose_draft_expired_is_asked_for_again(vaulted):
    expired = "⟦phone:kqzmtwbrhe⟧"  # a handle the vault no longer holds

    slots, _ = await validate(vaulted, tracker("养牛", requested="purpose", slots={"phone": expired}))

    assert "phone" in slots and slots["phone"] is None
