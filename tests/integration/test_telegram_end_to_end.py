"""The real python-telegram-bot client in the bot process against a fake Bot API server, real Rasa behind it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegramServer, SentCall
from tests.integration.conftest import Stack, free_port

WEBHOOK_SECRET = "s3cret-token_Qm7xK2pZ9vL4wT8nB1cR6yH3"  # >= 32 random characters, as the bot requires

pytestmark = pytest.mark.integration
CHAT = 424242
QUESTION = "小额信贷最多能贷多少钱"


@pytest.fixture
def telegram_server():  # type: ignore[no-untyped-def]
    server = FakeTelegramServer().start()
    yield server
    server.stop()


def _tg_env(stack: Stack, server: FakeTelegramServer, **extra: str) -> dict[str, str]:
    return {
        "NONGHUI_RASA_URL": stack.rasa_url,
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url,
        **extra,
    }


def _payloads_recorded(db: Path) -> list[str | None]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("select payload from start_events order by id")]


def _is_message(call: SentCall) -> bool:
    return call.method == "sendMessage" and call.chat_id == CHAT


def _nth_message(server: FakeTelegramServer, n: int, timeout: float = 60) -> SentCall:
    """Wait until the bot has sent at least n messages to the chat; return the n-th."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = [c for c in server.sent if _is_message(c)]
        if len(messages) >= n:
            return messages[n - 1]
        time.sleep(0.1)
    pytest.fail(f"bot sent {len(messages)} messages, expected {n}: {[m.text for m in messages]}")


def _all_buttons(call: SentCall) -> list[str]:
    return [str(b.get("callback_data")) for row in call.keyboard for b in row]


def test_polling_start_with_payload_question_and_button(stack, start_bot, telegram_server, logs_dir):  # type: ignore[no-untyped-def]
    start_bot("bot-polling", _tg_env(stack, telegram_server))
    telegram_server.push_command(CHAT, "/start", "poster_village_a")
    greeting = _nth_message(telegram_server, 1)
    assert "/ask_scam" in _all_buttons(greeting)

    telegram_server.push_text(CHAT, QUESTION)
    answer = _nth_message(telegram_server, 2)
    assert "5万" in (answer.text or "")
    assert "来源" in (answer.text or "")
    assert any(c.method == "sendChatAction" for c in telegram_server.sent)

    telegram_server.push_callback(CHAT, "/ask_scam")
    scam_reply = _nth_message(telegram_server, 3)
    assert telegram_server.calls("answerCallbackQuery")
    assert scam_reply.text
    assert _payloads_recorded(logs_dir / "bot-polling.db") == ["poster_village_a"]


def test_polling_processes_a_redelivered_update_once(stack, start_bot, telegram_server):  # type: ignore[no-untyped-def]
    start_bot("bot-dedup", _tg_env(stack, telegram_server))
    update = telegram_server.text_update(CHAT, "谢谢")
    telegram_server.push_many([update, update])
    _nth_message(telegram_server, 1)
    time.sleep(3)  # give a second (wrong) reply time to appear
    assert len([c for c in telegram_server.sent if _is_message(c)]) == 1


def test_webhook_rejects_forged_updates_and_answers_real_ones(stack, start_bot, telegram_server, logs_dir):  # type: ignore[no-untyped-def]
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    start_bot(
        "bot-webhook",
        _tg_env(
            stack,
            telegram_server,
            NONGHUI_TELEGRAM_MODE="webhook",
            NONGHUI_TELEGRAM_WEBHOOK_URL=url,
            NONGHUI_TELEGRAM_WEBHOOK_PORT=str(port),
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        ),
    )
    assert telegram_server.webhook_url == url
    assert telegram_server.webhook_secret == WEBHOOK_SECRET

    forged = telegram_server.text_update(CHAT, QUESTION)
    assert asyncio.run(telegram_server.post_to_webhook(forged, secret="wrong")) == 403

    start = telegram_server.command_update(CHAT, "/start", "video_b")
    assert asyncio.run(telegram_server.post_to_webhook(start)) == 200
    assert "/ask_loan" in _all_buttons(_nth_message(telegram_server, 1))

    question = telegram_server.text_update(CHAT, QUESTION)
    assert asyncio.run(telegram_server.post_to_webhook(question)) == 200
    assert "5万" in (_nth_message(telegram_server, 2).text or "")

    tap = telegram_server.callback_update(CHAT, "/ask_insurance", None)
    assert asyncio.run(telegram_server.post_to_webhook(tap)) == 200
    assert _nth_message(telegram_server, 3).text
    assert _payloads_recorded(logs_dir / "bot-webhook.db") == ["video_b"]
