"""The form commits a confirmed application where it closes, and refuses stale buttons and re-sent answers."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.applications_deps import ReadyServices
from actions.preapplication import SUBMITTED_SLOT, SubmitPreApplication
from loans.form_buttons import confirm_payload, read_bound
from tests.actions.test_preapplication import COMPLETE, DOMAIN, services, tracker, validate

__all__ = ["services"]  # the fixture, shared with the form tests

AT_SUMMARY = {**COMPLETE, "confirmed": None}
TOKEN = str(COMPLETE["form_token"])


def button(payload: str) -> tuple[str, list[dict[str, Any]]]:
    """The latest message of a tapped bound button: its text and the entities Rasa reads from it."""
    bound = read_bound(payload)
    assert bound is not None
    entities = [{"entity": "choice", "value": bound.choice}] if bound.choice else []
    import json

    raw = json.loads(payload[payload.index("{") :])
    entities += [{"entity": key, "value": raw[key]} for key in ("step", "form") if key in raw]
    return payload, entities


async def test_confirming_at_the_summary_stores_the_application_before_the_form_closes(services: ReadyServices):
    text, entities = button(confirm_payload(TOKEN))

    slots, _ = await validate(services, tracker(text, requested="confirmed", slots=AT_SUMMARY, entities=entities))

    stored = services.store.applications_for_farmer(channel="web", external_id="farmer-1")
    assert len(stored) == 1
    assert slots["confirmed"] is True
    assert slots[SUBMITTED_SLOT] == {"reference": stored[0].reference, "created": True}


async def test_a_confirm_retried_after_a_crash_finds_the_stored_application_and_stores_nothing_twice(
    services: ReadyServices,
):
    text, entities = button(confirm_payload(TOKEN))
    await validate(services, tracker(text, requested="confirmed", slots=AT_SUMMARY, entities=entities))

    # The action server died before Rasa saw the answer: the form is still at its summary, the farmer taps again.
    slots, _ = await validate(services, tracker(text, requested="confirmed", slots=AT_SUMMARY, entities=entities))
    dispatcher = CollectingDispatcher()
    await SubmitPreApplication(services).run(
        dispatcher, tracker(text, slots={**COMPLETE, SUBMITTED_SLOT: slots[SUBMITTED_SLOT]}), DOMAIN
    )

    stored = services.store.applications_for_farmer(channel="web", external_id="farmer-1")
    assert len(stored) == 1 and slots[SUBMITTED_SLOT]["created"] is False
    assert stored[0].reference in dispatcher.messages[0]["text"] and "没有重复提交" in dispatcher.messages[0]["text"]


async def test_a_storage_failure_at_the_summary_keeps_the_form_open_at_the_summary(services: ReadyServices):
    class BrokenStore:
        def submit_application(self, form: object) -> None:
            raise OSError("database down")

    broken = ReadyServices(form=services.form, store=BrokenStore())  # type: ignore[arg-type]
    text, entities = button(confirm_payload(TOKEN))

    slots, messages = await validate(broken, tracker(text, requested="confirmed", slots=AT_SUMMARY, entities=entities))

    assert slots["confirmed"] is None and SUBMITTED_SLOT not in slots
    assert "确认提交" in messages[0]["text"]


async def test_a_consent_button_tapped_again_at_the_summary_is_stale_and_submits_nothing(services: ReadyServices):
    double_tap = '/inform{"choice":"yes","step":10,"form":"test-token-0001"}'
    text, entities = button(double_tap)

    slots, messages = await validate(
        services, tracker(text, requested="confirmed", slots=AT_SUMMARY, entities=entities)
    )

    assert "confirmed" not in slots or slots["confirmed"] is None
    assert "已过期" in messages[0]["text"]
    assert services.store.applications_for_farmer(channel="web", external_id="farmer-1") == []


async def test_a_yes_from_the_other_loans_step_never_records_consent(services: ReadyServices):
    stale = '/inform{"choice":"yes","step":9,"form":"existing-token"}'
    text, entities = button(stale)

    slots, messages = await validate(services, tracker(text, requested="consent", entities=entities))

    assert slots.get("consent") is None
    assert "已过期" in messages[0]["text"]


async def test_a_button_of_an_older_form_changes_nothing(services: ReadyServices):
    old = '/inform{"choice":"yes","step":10,"form":"0123456789ab"}'
    text, entities = button(old)

    slots, messages = await validate(services, tracker(text, requested="consent", entities=entities))

    assert slots.get("consent") is None and "已过期" in messages[0]["text"]


async def test_an_answer_sent_again_after_its_reply_was_lost_is_not_applied_to_the_next_step(services: ReadyServices):
    t = tracker("没有", requested="consent", slots={"other_loans": False})
    t.events = [
        {"event": "slot", "name": "requested_slot", "value": "other_loans"},
        {"event": "user", "text": "没有", "timestamp": 100.0},
        {"event": "slot", "name": "other_loans", "value": False},
        {"event": "slot", "name": "requested_slot", "value": "consent"},
        {"event": "user", "text": "没有", "timestamp": 130.0},
    ]

    slots, messages = await validate(services, t)

    assert slots.get("consent") is None
    assert "已经收到" in messages[0]["text"]
    assert "form_failures" not in slots or not slots["form_failures"]


async def test_the_same_answer_at_the_same_step_is_read_again(services: ReadyServices):
    t = tracker("13812345678", requested="phone")
    t.events = [
        {"event": "slot", "name": "requested_slot", "value": "phone"},
        {"event": "user", "text": "13812345678", "timestamp": 100.0},
        {"event": "user", "text": "13812345678", "timestamp": 130.0},
    ]

    slots, _ = await validate(services, t)

    assert slots["phone"] == "13812345678"


async def test_asking_to_apply_in_the_middle_of_the_form_asks_whether_to_go_on_or_start_over(services: ReadyServices):
    slots, messages = await validate(
        services, tracker("我要申请贷款", intent="apply_loan", requested="amount", slots={"applicant_name": "黄桂兰"})
    )

    assert slots.get("amount") is None and "applicant_name" not in slots
    assert "第 7 步" in messages[0]["text"] and "重新开始" in [b["title"] for b in messages[0]["buttons"]]


async def test_start_over_clears_the_answers_and_gives_the_form_a_new_instance(services: ReadyServices):
    restart = '/inform{"choice":"restart","step":7,"form":"existing-token"}'
    text, entities = button(restart)

    slots, messages = await validate(
        services, tracker(text, requested="amount", slots={"applicant_name": "黄桂兰"}, entities=entities)
    )

    assert slots["applicant_name"] is None and slots["form_token"] not in (None, "pa-existing-token")
    assert "重新开始" in messages[0]["text"]


async def test_go_on_leaves_every_answer_and_asks_the_same_question_again(services: ReadyServices):
    go_on = '/inform{"choice":"continue","step":7,"form":"existing-token"}'
    text, entities = button(go_on)

    slots, messages = await validate(
        services, tracker(text, requested="amount", slots={"applicant_name": "黄桂兰"}, entities=entities)
    )

    assert "applicant_name" not in slots and slots.get("amount") is None and messages == []
