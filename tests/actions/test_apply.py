from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.apply import ApplyLoanInfo
from tests.actions.conftest import FakeKnowledge, IndexMissingError, make_tracker


async def run_apply(knowledge: FakeKnowledge, text: str, lang: str) -> list[dict]:
    dispatcher = CollectingDispatcher()
    await ApplyLoanInfo(knowledge).run(dispatcher, make_tracker(text, intent="apply_loan", lang=lang), {})
    return dispatcher.messages


async def test_apply_sends_the_how_to_answer_then_the_coming_soon_note(knowledge: FakeKnowledge):
    knowledge.answer_text = "申请小额信贷先到村委会或服务站登记。"

    messages = await run_apply(knowledge, "我想申请贷款", "zh")

    assert [(m["text"], m["response"]) for m in messages] == [
        ("申请小额信贷先到村委会或服务站登记。", None),
        (None, "utter_preapplication_coming"),
    ]
    assert messages[0]["buttons"] == []
    assert messages[0]["custom"]["sources"][0]["title"] == "小额信贷指南"
    assert [(q.text, q.topic) for q in knowledge.questions] == [("我想申请贷款", "loan")]


async def test_apply_button_asks_the_knowledge_base_how_to_apply_in_the_farmers_language(
    knowledge: FakeKnowledge,
):
    await run_apply(knowledge, "/apply_loan", "en")

    assert [(q.text, q.lang, q.topic) for q in knowledge.questions] == [("How do I apply for a loan?", "en", "loan")]


async def test_apply_without_a_confident_answer_sends_only_the_coming_soon_note(knowledge: FakeKnowledge):
    knowledge.confident = False

    messages = await run_apply(knowledge, "我要带款", "zh")

    assert [m["response"] for m in messages] == ["utter_preapplication_coming"]


async def test_apply_when_the_service_fails_still_says_where_to_apply(knowledge: FakeKnowledge):
    knowledge.error = IndexMissingError("no index")

    messages = await run_apply(knowledge, "i want a loan", "en")

    assert [m["response"] for m in messages] == ["utter_preapplication_coming"]
