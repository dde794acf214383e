"""Answer first, whatever the conversation's state: real bot, Rasa server, action server and knowledge index.

A question is answered outside and inside the pre-application form, after a form question, during a hand-off
that waits outside office hours, and as a follow-up that depends on the previous question.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.handoff.hours import CHINA_TIME
from tests.integration.conftest import Proc, Stack, chat

pytestmark = pytest.mark.integration

NO_FORM_ZH = "现在没有正在填的预申请"
NO_FORM_EN = "There is no pre-application in progress"
OUT_OF_SCOPE_ZH = "这个我答不了"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def texts(body: dict) -> str:  # type: ignore[type-arg]
    return "\n".join(r["text"] for r in body["replies"])


def payloads(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [b["payload"] for r in body["replies"] for b in r["buttons"]]


def answered(body: dict) -> bool:  # type: ignore[type-arg]
    """An answer from the knowledge base: a reply that cites a source."""
    return any(r["sources"] for r in body["replies"])


def test_a_question_with_an_amount_is_answered_with_a_form_button_and_no_form_starts(web: str):
    body = chat(web, "af-amount", "想借10万盖个猪圈，能贷那么多吗")

    assert body["intent"]["name"] in {"ask_loan", "apply_loan"}
    assert body["replies"] and "第 1 步" not in texts(body)
    assert "/apply_loan" in payloads(body)  # the answer (or the honest "not sure") offers the form
    after = chat(web, "af-amount", "王秀英")  # no form is open, so a name is not taken as an answer
    assert "第 2 步" not in texts(after)


def test_an_english_question_with_an_amount_is_answered_not_started(web: str):
    body = chat(web, "af-amount-en", "I want to borrow 50,000 for cattle, is that allowed?")

    assert body["replies"] and "Step 1" not in texts(body)
    assert "/apply_loan" in payloads(body)


def test_an_explicit_request_still_starts_the_form(web: str):
    assert "第 1 步" in texts(chat(web, "af-apply", "帮我办个贷款"))


def test_a_question_about_applying_is_answered_and_the_button_then_starts_the_form(web: str):
    body = chat(web, "af-apply-q", "在这里能申请贷款吗")

    assert body["replies"] and "第 1 步" not in texts(body)
    assert "第 1 步" in texts(chat(web, "af-apply-q", "/apply_loan"))


@pytest.mark.parametrize(
    ("sender", "start", "step", "question"),
    [
        ("af-mid-zh", "我要申请贷款", "第 1 步", "贷款要抵押吗"),
        ("af-mid-en", "I want to apply", "Step 1", "Do I need collateral for the loan?"),
    ],
)
def test_a_question_mid_form_is_answered_and_the_step_asked_again(
    web: str, sender: str, start: str, step: str, question: str
):
    assert step in texts(chat(web, sender, start))

    body = chat(web, sender, question)

    assert answered(body)
    assert step in body["replies"][-1]["text"]


def test_a_hotline_question_mid_form_is_answered_and_the_phone_step_asked_again(web: str):
    chat(web, "af-mid-hotline", "我要申请贷款")
    assert "第 2 步" in texts(chat(web, "af-mid-hotline", "王秀英"))

    body = chat(web, "af-mid-hotline", "打12378有用吗")

    assert answered(body) and "12378" in texts(body)
    assert "第 2 步" in body["replies"][-1]["text"]


def test_a_question_after_a_cancelled_form_is_answered_not_told_there_is_no_form(web: str):
    chat(web, "af-after", "我要申请贷款")
    assert "取消" in texts(chat(web, "af-after", "不办了"))

    body = chat(web, "af-after", "96110是真的反诈电话吗")

    assert answered(body) and NO_FORM_ZH not in texts(body)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("96110是真的反诈电话吗", "zh"),
        ("打12378有用吗", "zh"),
        ("my number is on a loan app list, what do I do", "en"),
    ],
)
def test_a_question_with_a_hotline_or_number_outside_a_form_is_answered(web: str, text: str, lang: str):
    body = chat(web, f"af-hotline-{abs(hash(text)) % 10_000}", text, lang)

    assert answered(body), texts(body)
    assert NO_FORM_ZH not in texts(body) and NO_FORM_EN not in texts(body)


def test_a_real_correction_outside_a_form_says_there_is_no_form(web: str):
    assert NO_FORM_ZH in texts(chat(web, "af-correct", "电话填错了"))


@pytest.mark.parametrize("text", ["代款要抵压吗", "保检咋个赔", "骗紫让我先交保证金咋办"])
def test_a_misspelt_in_scope_question_is_answered_not_refused(web: str, text: str):
    body = chat(web, f"af-typo-{abs(hash(text)) % 10_000}", text)

    assert answered(body), texts(body)
    assert OUT_OF_SCOPE_ZH not in texts(body)


@pytest.mark.parametrize("text", ["明天我们村下不下雨", "城乡居民养老金一个月能领多少"])
def test_an_out_of_scope_question_is_still_declined(web: str, text: str):
    body = chat(web, f"af-oos-{abs(hash(text)) % 10_000}", text)

    assert not answered(body)
    assert OUT_OF_SCOPE_ZH in texts(body) or "没有靠得住的答案" in texts(body)


def test_a_follow_up_reaches_the_knowledge_service_with_the_previous_question(web: str, stack: Stack):
    log = stack.logs / "actions.log"
    before = log.read_text(errors="replace").count("previous question as context")
    first = chat(web, "af-follow", "脱贫户的小额信贷最多能贷多少钱？")
    assert answered(first)

    follow = chat(web, "af-follow", "那利息呢")

    assert follow["intent"]["name"] == "ask_loan"
    assert follow["replies"], "the follow-up must get a reply"
    assert log.read_text(errors="replace").count("previous question as context") == before + 1


def test_a_topic_switch_follow_up_is_answered_with_buttons_of_the_new_topic(web: str):
    chat(web, "af-switch", "贷款要抵押吗")

    body = chat(web, "af-switch", "那保险呢")

    assert body["intent"]["name"] == "ask_insurance"
    assert body["replies"] and "/apply_loan" not in payloads(body)


def closed_all_day() -> str:
    """Office hours on a weekday two days away in China time: the desk is closed for the whole test."""
    today = datetime.now(UTC).astimezone(CHINA_TIME).weekday()
    return f"{DAYS[(today + 2) % 7]} 9:00–17:00"


def test_a_question_during_a_handoff_waiting_outside_office_hours_is_answered_with_a_note(
    stack: Stack, start_bot: Callable[..., tuple[str, Proc]]
):
    base, _ = start_bot(
        "bot-closed-desk",
        {"NONGHUI_RASA_URL": stack.rasa_url, "NONGHUI_HANDOFF_DEFAULT_HOURS_EN": closed_all_day()},
    )
    opened = chat(base, "af-wait", "/human_handoff", "zh")
    assert "下班时间" in texts(opened)

    body = chat(base, "af-wait", "小额信贷要抵押吗")

    assert answered(body)
    assert "工作人员上班后会在这里回复您" in body["replies"][-1]["text"]
    chitchat = chat(base, "af-wait", "我叫王秀英")
    # Not a question: it goes to the staff, and the farmer only hears that it was passed on.
    assert [r["text"] for r in chitchat["replies"]] == [
        "收到，已经转给工作人员。现在是下班时间，工作人员上班后会在这里回复您。"
    ]
