"""Reading questions from a conversation: question shapes and the previous question of the session."""

from __future__ import annotations

from typing import Any

import pytest

from actions.questions import asks_to_correct, looks_like_question, previous_question


@pytest.mark.parametrize(
    "text",
    [
        "96110是真的反诈电话吗",
        "打12378有用吗",
        "想借10万盖个猪圈，能贷那么多吗",
        "那利息呢",
        "要带啥",
        "如果超过了呢",
        "电话号码被贷款app拿走了怎么办",
        "my number is on a loan app list, what do I do",
        "I want to borrow 50,000 for cattle, is that allowed?",
        "what about the interest?",
        "Is 96110 the real anti-fraud line",
    ],
)
def test_questions_are_recognised_in_both_languages(text: str):
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text", ["电话填错了", "13812345678", "王秀英", "不办了", "养猪", "my number is 13612345678", "cancel", "/inform"]
)
def test_form_answers_and_commands_are_not_questions(text: str):
    assert not looks_like_question(text)


def test_corrections_are_told_from_questions_that_mention_a_number():
    assert asks_to_correct("电话填错了") and asks_to_correct("i typed the wrong phone number")
    assert not asks_to_correct("96110是真的反诈电话吗") and not asks_to_correct("is calling 12378 any use")


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def bot(response: str | None) -> dict[str, Any]:
    return {"event": "bot", "text": "…", "metadata": {"utter_action": response} if response else {}}


def test_previous_question_is_the_last_one_answered_before_the_latest_message():
    events = [
        action("action_session_start"),
        user("贷款要抵押吗"),
        action("action_answer_question"),
        bot(None),
        user("/greet"),
        action("utter_greet"),
        user("小额信贷能贷多少"),
        action("action_answer_question"),
        bot(None),
        user("那利息呢"),
    ]
    assert previous_question(events) == "小额信贷能贷多少"


def test_messages_not_answered_as_questions_are_skipped():
    events = [
        user("保险怎么买"),
        action("action_answer_question"),
        user("电话填错了"),
        action("action_answer_or_explain"),
        bot("utter_no_form_in_progress"),
        user("谢谢"),
        action("utter_thanks"),
        user("那理赔呢"),
    ]
    assert previous_question(events) == "保险怎么买"


def test_a_new_session_forgets_earlier_questions():
    events = [user("贷款要抵押吗"), action("action_answer_question"), action("action_session_start"), user("那利息呢")]
    assert previous_question(events) is None


def test_the_latest_message_is_never_its_own_previous_question():
    assert previous_question([user("贷款要抵押吗"), action("action_answer_question")]) is None
