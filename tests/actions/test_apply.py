from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import QuestionAnswerer
from actions.apply import ApplyLoanInfo
from loans.quotes import RepaymentQuotes
from tests.actions.conftest import FakeKnowledge


def tracker(text: str, lang: str, slots: dict[str, object] | None = None) -> Tracker:
    return Tracker(
        sender_id="web:t",
        slots={"lang": lang, **(slots or {})},
        latest_message={"text": text, "intent": {"name": "apply_loan", "confidence": 0.9}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run_apply(text: str, lang: str, slots: dict[str, object] | None = None) -> list[dict]:  # type: ignore[type-arg]
    dispatcher = CollectingDispatcher()
    events = await ApplyLoanInfo(RepaymentQuotes()).run(dispatcher, tracker(text, lang, slots), {})
    assert events == [{"event": "slot", "timestamp": None, "name": "preapplication_wanted", "value": True}]
    return dispatcher.messages


async def run_apply_with_answers(knowledge: FakeKnowledge, text: str, lang: str) -> tuple[list[dict], bool]:  # type: ignore[type-arg]
    dispatcher = CollectingDispatcher()
    apply = ApplyLoanInfo(RepaymentQuotes(), QuestionAnswerer(knowledge, RepaymentQuotes()))
    events = await apply.run(dispatcher, tracker(text, lang), {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events}["preapplication_wanted"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("在这里能申请贷款吗", "zh"),
        ("想借10万盖个猪圈，能贷那么多吗", "zh"),
        ("I want to borrow 50,000 for cattle, is that allowed?", "en"),
        ("can i apply here", "en"),
    ],
)
async def test_a_question_read_as_apply_loan_is_answered_with_the_form_as_a_button_and_no_form_starts(
    knowledge: FakeKnowledge, text: str, lang: str
):
    messages, wanted = await run_apply_with_answers(knowledge, text, lang)

    assert wanted is False
    assert [(q.text, q.topic) for q in knowledge.questions] == [(text, "loan")]
    assert messages[0]["text"] == knowledge.answer_text
    assert "/apply_loan" in [b["payload"] for b in messages[0]["buttons"]]


@pytest.mark.parametrize(
    ("text", "lang"), [("我要申请贷款", "zh"), ("帮我办个贷款中不中", "zh"), ("I want to apply, can you help?", "en")]
)
async def test_an_explicit_request_starts_the_form_even_when_phrased_as_a_question(
    knowledge: FakeKnowledge, text: str, lang: str
):
    messages, wanted = await run_apply_with_answers(knowledge, text, lang)

    assert wanted is True
    assert knowledge.questions == []
    assert messages[-1]["response"] == "utter_preapplication_intro"


async def test_apply_introduces_a_new_pre_application():
    messages = await run_apply("我想申请贷款", "zh")

    assert [m["response"] for m in messages] == ["utter_preapplication_intro"]


async def test_apply_with_an_amount_and_a_term_quotes_first_in_english():
    messages = await run_apply("I want to borrow 30000 for 3 years", "en")

    assert "Borrow 30,000 yuan" in messages[0]["text"]
    assert messages[1]["response"] == "utter_preapplication_intro"


async def test_apply_with_answers_already_given_says_it_resumes():
    messages = await run_apply("/apply_loan", "zh", {"applicant_name": "王秀英"})

    assert [m["response"] for m in messages] == ["utter_preapplication_resume"]
