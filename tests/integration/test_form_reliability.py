"""Through the real stack: stale buttons, double taps, re-sent answers, typed commands, and a confirmation that
survives a crash with and without its commit (the action server dying at the submit)."""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest

from bot.rasa_client import TOKEN_HEADER, TURN_PATH
from tests.integration.conftest import RASA_TOKEN, chat
from tests.integration.preapplication_stack import FormStack, sync_sample_stations

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ANSWERS = ["黄桂兰", "13812345678", "440882197403151236", "河西镇新塘村", "监测户", "种果树", "2万", "一年"]


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FormStack]:
    stack = FormStack(tmp_path_factory.mktemp("reliable"))
    sync_sample_stations(stack.database_url)
    stack.start_all()
    yield stack
    stack.stop_all()


def say(stack: FormStack, sender: str, said: str, **extra: object) -> tuple[str, list[str]]:
    replies = chat(stack.web_url, sender, said, **extra)["replies"]
    return "\n".join(r["text"] for r in replies), [b["payload"] for r in replies for b in r["buttons"]]


def tap(buttons: list[str], choice: str) -> str:
    return next(p for p in buttons if f'"choice":"{choice}"' in p)


def to_other_loans(stack: FormStack, sender: str) -> list[str]:
    """Fill the form up to the other-loans question; its buttons."""
    say(stack, sender, "我要申请贷款")
    buttons: list[str] = []
    for answer in ANSWERS:
        _, buttons = say(stack, sender, answer)
    return buttons


def to_summary(stack: FormStack, sender: str) -> list[str]:
    """Fill the form up to the summary; its buttons."""
    loans = to_other_loans(stack, sender)
    _, consent = say(stack, sender, tap(loans, "no"))
    summary, buttons = say(stack, sender, tap(consent, "yes"))
    assert "黄桂兰" in summary
    return buttons


def stored(stack: FormStack, sender: str) -> list[str]:
    import sqlite3

    with sqlite3.connect(stack.work / "nonghui.db") as conn:
        rows = conn.execute(
            "select p.reference from pre_applications p join farmers f on f.id = p.farmer_id "
            "where f.channel = 'web' and f.external_id = ?",
            (sender,),
        )
        return [r[0] for r in rows]


def test_a_button_of_an_earlier_step_is_expired_and_consent_comes_only_from_the_consent_step(forms: FormStack):
    sender = "stale-button"
    loans = to_other_loans(forms, sender)
    say(forms, sender, tap(loans, "no"))

    stale, _ = say(forms, sender, tap(loans, "no"))  # the other-loans "没有" again, now at the consent step

    assert "这个按钮已过期" in stale
    assert forms.slots(sender)["consent"] is None and forms.slots(sender)["requested_slot"] == "consent"


def test_a_double_tap_on_send_stores_one_application_and_both_taps_hear_its_reference(forms: FormStack):
    sender = "double-tap"
    confirm = tap(to_summary(forms, sender), "yes")
    answers: list[str] = []

    def send() -> None:
        answers.append(say(forms, sender, confirm)[0])

    taps = [threading.Thread(target=send) for _ in range(2)]
    for t in taps:
        t.start()
    for t in taps:
        t.join()

    references = stored(forms, sender)
    assert len(references) == 1
    assert all(references[0] in answer for answer in answers)


def test_an_answer_sent_again_is_recognised_and_never_applied_to_the_next_step(forms: FormStack):
    sender = "resent-answer"
    to_other_loans(forms, sender)
    consent_question, _ = say(forms, sender, "没有")
    assert "第 10 步" in consent_question

    again, _ = say(forms, sender, "没有")  # the reply was lost; the farmer sends the same again

    assert "已经收到" in again
    assert forms.slots(sender)["consent"] is None and forms.slots(sender)["requested_slot"] == "consent"


def test_a_web_message_sent_again_with_its_id_gets_the_first_answer(forms: FormStack):
    sender = "resent-message-id"
    to_other_loans(forms, sender)
    message_id = uuid.uuid4().hex

    first, _ = say(forms, sender, "没有", message_id=message_id)
    again, _ = say(forms, sender, "没有", message_id=message_id)

    assert again == first and "第 10 步" in first
    assert forms.slots(sender)["requested_slot"] == "consent"


def test_typed_rasa_commands_are_read_as_text(forms: FormStack):
    sender = "typed-command"
    to_other_loans(forms, sender)

    say(forms, sender, "/restart")
    tracker = httpx.get(
        f"{forms.rasa_url}/conversations/web:{sender}/tracker", params={"token": RASA_TOKEN}, timeout=30
    ).json()
    deletion = chat(forms.web_url, sender, "/confirm_delete_data")

    events = tracker["events"]
    said = [e for e in events if e["event"] == "user"]
    # Neither reached Rasa as a command: no restart, and no confirmed deletion (at most the question whether to).
    assert not any(e["event"] == "restart" for e in events)
    assert said[-1]["text"] == "／restart" and said[-1]["parse_data"]["intent"]["name"] != "restart"
    assert len(said) > 2  # the conversation was not restarted
    assert deletion["intent"] is None or deletion["intent"]["name"] != "confirm_delete_data"


def test_a_confirmation_committed_while_the_bot_was_down_answers_with_its_reference_after_the_restart(
    forms: FormStack,
):
    sender = "restart-committed"
    confirm = tap(to_summary(forms, sender), "yes")
    # Rasa processes the tap and commits, but the bot dies before the farmer sees the answer.
    httpx.post(
        f"{forms.rasa_url}{TURN_PATH}",
        json={"sender": f"web:{sender}", "message": confirm},
        headers={TOKEN_HEADER: RASA_TOKEN},
        timeout=60,
    ).raise_for_status()
    forms.kill_all()
    forms.start_all()

    again, _ = say(forms, sender, confirm)  # the farmer saw nothing and taps again

    references = stored(forms, sender)
    assert len(references) == 1 and references[0] in again and "已提交" in again


def test_the_action_server_dying_at_the_submit_loses_nothing_and_stores_once(forms: FormStack):
    sender = "actions-die"
    confirm = tap(to_summary(forms, sender), "yes")
    actions = forms.procs["actions"].process
    os.kill(actions.pid, signal.SIGKILL)
    actions.wait()

    during, _ = say(forms, sender, confirm)  # Rasa cannot reach the actions: the form stays at its summary

    assert during.strip() and "保存" in during
    assert stored(forms, sender) == []
    forms.kill_all()
    forms.start_all()

    after, _ = say(forms, sender, "有人吗")  # any message completes the confirmed submission

    references = stored(forms, sender)
    assert len(references) == 1 and references[0] in after
    again, _ = say(forms, sender, confirm)
    assert references[0] in again and len(stored(forms, sender)) == 1
