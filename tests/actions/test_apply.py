from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.apply import ApplyLoanInfo
from loans.quotes import RepaymentQuotes


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
    await ApplyLoanInfo(RepaymentQuotes()).run(dispatcher, tracker(text, lang, slots), {})
    return dispatcher.messages


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
