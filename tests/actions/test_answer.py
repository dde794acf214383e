from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import AnswerOrExplain, AnswerQuestion
from knowledge.answer_types import SourceInfo
from tests.actions.conftest import FakeKnowledge, IndexMissingError, make_tracker

SOURCES_JSON = {"sources": [{"title": "小额信贷指南", "locator": "第2节", "url": "https://example.org/loan"}]}


async def run_answer(knowledge: FakeKnowledge, text: str | None, intent: str, lang: str | None) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = await AnswerQuestion(knowledge).run(dispatcher, make_tracker(text, intent=intent, lang=lang), {})
    assert events == []
    return dispatcher.messages


async def test_loan_answer_in_chinese_sends_text_buttons_and_sources_in_one_message(knowledge: FakeKnowledge):
    messages = await run_answer(knowledge, "贷款能贷多少", "ask_loan", "zh")

    assert len(messages) == 1
    assert messages[0]["text"] == "扶贫小额信贷一般每户5万元以内，具体看当地政策。"
    assert messages[0]["buttons"] == [
        {"title": "我想申请贷款", "payload": "/apply_loan"},
        {"title": "找工作人员", "payload": "/human_handoff"},
    ]
    assert messages[0]["custom"] == SOURCES_JSON


async def test_loan_answer_in_english_labels_buttons_in_english(knowledge: FakeKnowledge):
    knowledge.answer_text = "Poverty microcredit is usually up to 50,000 yuan per household."

    messages = await run_answer(knowledge, "how much can I borrow", "ask_loan", "en")

    assert messages[0]["text"] == "Poverty microcredit is usually up to 50,000 yuan per household."
    assert messages[0]["buttons"] == [
        {"title": "I want to apply", "payload": "/apply_loan"},
        {"title": "Talk to a person", "payload": "/human_handoff"},
    ]
    assert knowledge.questions[0].lang == "en"


@pytest.mark.parametrize(
    ("intent", "topic"),
    [("ask_loan", "loan"), ("ask_insurance", "insurance"), ("ask_scam", "scam"), ("nlu_fallback", None)],
)
async def test_intent_decides_the_topic_passed_to_the_knowledge_service(
    knowledge: FakeKnowledge, intent: str, topic: str | None
):
    await run_answer(knowledge, "这个咋办", intent, "zh")

    assert [(q.text, q.lang, q.topic, q.region) for q in knowledge.questions] == [("这个咋办", "zh", topic, None)]


async def test_fallback_answer_offers_menu_and_person(knowledge: FakeKnowledge):
    messages = await run_answer(knowledge, "村里信用社几点开门", "nlu_fallback", "zh")

    assert messages[0]["buttons"] == [
        {"title": "返回菜单", "payload": "/greet"},
        {"title": "找工作人员", "payload": "/human_handoff"},
    ]


async def test_answer_without_sources_sends_no_custom_json(knowledge: FakeKnowledge):
    knowledge.sources = []

    messages = await run_answer(knowledge, "保险怎么买", "ask_insurance", "zh")

    assert messages[0]["custom"] == {}


async def test_sources_without_url_keep_a_null_url(knowledge: FakeKnowledge):
    knowledge.sources = [SourceInfo(title="Scam guide", locator="00:01:30")]

    messages = await run_answer(knowledge, "is this a scam", "ask_scam", "en")

    assert messages[0]["custom"] == {"sources": [{"title": "Scam guide", "locator": "00:01:30", "url": None}]}


async def test_low_confidence_answer_is_replaced_by_the_not_sure_response(knowledge: FakeKnowledge):
    knowledge.confident = False

    messages = await run_answer(knowledge, "保险能赔多少", "ask_insurance", "zh")

    assert len(messages) == 1
    assert messages[0]["response"] == "utter_not_sure"
    assert messages[0]["text"] is None


async def test_a_loan_question_the_knowledge_base_cannot_answer_still_offers_the_form(knowledge: FakeKnowledge):
    knowledge.confident = False

    messages = await run_answer(knowledge, "想借10万盖个猪圈，能贷那么多吗", "ask_loan", "zh")

    assert [m["response"] for m in messages] == ["utter_not_sure_loan"]


async def test_service_error_sends_the_knowledge_error_response(knowledge: FakeKnowledge):
    knowledge.error = IndexMissingError("index not found at /root/.cache/nonghui/index")

    messages = await run_answer(knowledge, "贷款能贷多少", "ask_loan", "zh")

    assert [m["response"] for m in messages] == ["utter_knowledge_error"]


async def test_service_error_log_leaves_out_the_question_and_phone_numbers(
    knowledge: FakeKnowledge, caplog: pytest.LogCaptureFixture
):
    knowledge.error = RuntimeError("model crashed while reading 13812345678")

    await run_answer(knowledge, "我电话13812345678，能贷款吗", "ask_loan", "zh")

    assert "RuntimeError" in caplog.text
    assert "13812345678" not in caplog.text
    assert "能贷款吗" not in caplog.text


@pytest.mark.parametrize(
    ("intent", "response"),
    [
        ("ask_loan", "utter_intro_loan"),
        ("ask_insurance", "utter_intro_insurance"),
        ("ask_scam", "utter_intro_scam"),
    ],
)
async def test_button_payload_introduces_the_topic_without_asking_the_service(
    knowledge: FakeKnowledge, intent: str, response: str
):
    messages = await run_answer(knowledge, f"/{intent}", intent, "zh")

    assert [m["response"] for m in messages] == [response]
    assert knowledge.questions == []


async def test_empty_message_asks_to_rephrase(knowledge: FakeKnowledge):
    messages = await run_answer(knowledge, "   ", "nlu_fallback", "en")

    assert [m["response"] for m in messages] == ["utter_default"]
    assert knowledge.questions == []


async def test_very_long_message_is_cut_before_retrieval(knowledge: FakeKnowledge):
    await run_answer(knowledge, "贷" * 10_000, "ask_loan", "zh")

    assert len(knowledge.questions[0].text) == 500


async def test_missing_lang_slot_falls_back_to_the_message_language(knowledge: FakeKnowledge):
    await run_answer(knowledge, "is this sms a scam", "ask_scam", None)

    assert knowledge.questions[0].lang == "en"


async def test_repayment_question_is_answered_by_the_calculator_not_the_knowledge_base(knowledge: FakeKnowledge):
    from loans.quotes import RepaymentQuotes

    dispatcher = CollectingDispatcher()
    tracker = make_tracker("借3万3年每年还多少", intent="ask_loan", lang="zh")
    await AnswerQuestion(knowledge, RepaymentQuotes()).run(dispatcher, tracker, {})

    assert knowledge.questions == []
    assert len(dispatcher.messages) == 1
    assert "等额本息" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/apply_loan"


async def test_loan_question_without_amount_and_term_still_goes_to_the_knowledge_base(knowledge: FakeKnowledge):
    from loans.quotes import RepaymentQuotes

    dispatcher = CollectingDispatcher()
    await AnswerQuestion(knowledge, RepaymentQuotes()).run(
        dispatcher, make_tracker("贷款能贷多少", intent="ask_loan"), {}
    )

    assert [q.text for q in knowledge.questions] == ["贷款能贷多少"]
    assert dispatcher.messages[0]["text"] == "扶贫小额信贷一般每户5万元以内，具体看当地政策。"


async def test_a_question_with_an_amount_and_a_purpose_is_answered_and_offers_the_form_as_a_button(
    knowledge: FakeKnowledge,
):
    messages = await run_answer(knowledge, "想借10万盖个猪圈，能贷那么多吗", "ask_loan", "zh")

    assert [q.text for q in knowledge.questions] == ["想借10万盖个猪圈，能贷那么多吗"]
    assert messages[0]["text"] == knowledge.answer_text
    assert {"title": "我想申请贷款", "payload": "/apply_loan"} in messages[0]["buttons"]


async def test_the_previous_answered_question_of_the_session_goes_to_the_knowledge_service(knowledge: FakeKnowledge):
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "text": "小额信贷能贷多少"},
        {"event": "action", "name": "action_answer_question"},
        {"event": "bot", "text": "一般5万以内"},
        {"event": "user", "text": "那要多久还？"},
    ]
    tracker = make_tracker("那要多久还？", intent="ask_loan", events=events)

    await AnswerQuestion(knowledge).run(CollectingDispatcher(), tracker, {})

    assert [(q.text, q.previous) for q in knowledge.questions] == [("那要多久还？", "小额信贷能贷多少")]


async def test_a_first_question_has_no_previous_question(knowledge: FakeKnowledge):
    await run_answer(knowledge, "what about the interest?", "ask_loan", "en")

    assert knowledge.questions[0].previous is None


async def test_follow_up_buttons_follow_the_topic_the_knowledge_base_answered(knowledge: FakeKnowledge):
    knowledge.answer_topic = "insurance"

    messages = await run_answer(knowledge, "那保险呢", "nlu_fallback", "zh")

    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_loan", "/human_handoff"]


async def test_out_of_scope_message_the_knowledge_base_answers_is_answered_not_refused(knowledge: FakeKnowledge):
    messages = await run_answer(knowledge, "骗紫打电话说我贷款逾其了", "out_of_scope", "zh")

    assert [q.topic for q in knowledge.questions] == [None]
    assert messages[0]["text"] == knowledge.answer_text


async def test_a_message_nlu_is_certain_is_out_of_scope_is_declined_without_asking_the_knowledge_base(
    knowledge: FakeKnowledge,
):
    tracker = make_tracker("养老金一个月能领多少", intent="out_of_scope")
    tracker.latest_message["intent"]["confidence"] = 0.999
    dispatcher = CollectingDispatcher()

    await AnswerQuestion(knowledge).run(dispatcher, tracker, {})

    assert knowledge.questions == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]


async def test_out_of_scope_message_the_knowledge_base_abstains_on_gets_the_out_of_scope_reply(
    knowledge: FakeKnowledge,
):
    knowledge.confident = False

    messages = await run_answer(knowledge, "明天下不下雨", "out_of_scope", "zh")

    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


async def test_low_confidence_nlu_fallback_the_knowledge_base_abstains_on_says_not_sure(knowledge: FakeKnowledge):
    knowledge.confident = False

    messages = await run_answer(knowledge, "那个东西咋弄", "nlu_fallback", "zh")

    assert [m["response"] for m in messages] == ["utter_not_sure"]


async def run_outside_form(knowledge: FakeKnowledge, text: str, intent: str, lang: str = "zh") -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = await AnswerOrExplain(knowledge).run(dispatcher, make_tracker(text, intent=intent, lang=lang), {})
    assert events == []
    return dispatcher.messages


@pytest.mark.parametrize(
    ("text", "intent", "lang"),
    [
        ("96110是真的反诈电话吗", "correct_field", "zh"),
        ("打12378有用吗", "inform", "zh"),
        ("my number is on a loan app list, what do I do", "correct_field", "en"),
        ("取消保险要交钱吗", "cancel_form", "zh"),
    ],
)
async def test_a_question_outside_a_form_is_answered_not_told_there_is_no_form(
    knowledge: FakeKnowledge, text: str, intent: str, lang: str
):
    messages = await run_outside_form(knowledge, text, intent, lang)

    assert [q.text for q in knowledge.questions] == [text]
    assert messages[0]["text"] == knowledge.answer_text
    assert "utter_no_form_in_progress" not in [m["response"] for m in messages]


async def test_a_question_outside_a_form_the_knowledge_base_abstains_on_is_not_sure_not_no_form(
    knowledge: FakeKnowledge,
):
    knowledge.confident = False

    messages = await run_outside_form(knowledge, "这个号码是真的吗", "correct_field")

    assert [m["response"] for m in messages] == ["utter_not_sure"]


@pytest.mark.parametrize(
    ("text", "intent"), [("不办了", "cancel_form"), ("/inform", "inform"), ("cancel", "cancel_form")]
)
async def test_a_form_command_outside_a_form_says_no_form_without_asking_the_knowledge_base(
    knowledge: FakeKnowledge, text: str, intent: str
):
    messages = await run_outside_form(knowledge, text, intent)

    assert knowledge.questions == []
    assert [m["response"] for m in messages] == ["utter_no_form_in_progress"]


async def test_a_form_answer_outside_a_form_says_no_form_when_the_knowledge_base_abstains(knowledge: FakeKnowledge):
    knowledge.confident = False

    messages = await run_outside_form(knowledge, "电话填错了", "correct_field")

    assert [m["response"] for m in messages] == ["utter_no_form_in_progress"]


async def test_a_statement_the_knowledge_base_answers_confidently_is_answered(knowledge: FakeKnowledge):
    messages = await run_outside_form(knowledge, "我的手机号被网贷平台泄露了", "inform")

    assert messages[0]["text"] == knowledge.answer_text
