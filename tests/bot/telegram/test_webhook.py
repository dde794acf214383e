"""The real PTB Application in webhook mode: Telegram POSTs updates, PTB checks the secret header."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.telegram import build_telegram_application, start_webhook, stop
from tests.bot.telegram.doubles import ScriptedDialogue
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.telegram_ports import InMemorySeenUpdates, RecordingContacts

SECRET = "s3cret-Token_for-tests-7Qx9LmZ2vB4nK8pW"
CHAT = 777


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook_bot(
    fake_api: FakeTelegramServer,
    dialogue: ScriptedDialogue,
    seen: InMemorySeenUpdates,
    contacts: RecordingContacts,
) -> AsyncIterator[Any]:
    app = build_telegram_application(
        token=fake_api.token, api_base_url=fake_api.base_url, dialogue=dialogue, seen=seen, contacts=contacts
    )
    port = free_port()
    await start_webhook(
        app,
        listen="127.0.0.1",
        port=port,
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        secret_token=SECRET,
    )
    try:
        yield app
    finally:
        await stop(app)


async def test_webhook_start_registers_url_and_secret_with_telegram(
    webhook_bot: Any, fake_api: FakeTelegramServer
) -> None:
    assert fake_api.webhook_url.endswith("/telegram/webhook")
    assert fake_api.webhook_secret == SECRET


async def test_webhook_update_with_the_right_secret_is_processed(
    webhook_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    status = await fake_api.post_to_webhook(fake_api.text_update(CHAT, "化肥补贴怎么领？"))

    assert status == 200
    call = await fake_api.wait_for_sent(lambda c: c.method == "sendMessage")
    assert call.chat_id == CHAT
    assert call.text == "echo: 化肥补贴怎么领？"
    assert [turn.text for turn in dialogue.turns] == ["化肥补贴怎么领？"]


@pytest.mark.parametrize("secret_kwargs", [{"secret": "wrong-secret"}, {"send_secret": False}])
async def test_webhook_update_with_a_wrong_or_missing_secret_is_rejected(
    secret_kwargs: dict[str, Any], webhook_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    status = await fake_api.post_to_webhook(fake_api.text_update(CHAT, "伪造的消息"), **secret_kwargs)
    assert status == 403

    # A genuine update afterwards is answered, and only it reached the dialogue.
    await fake_api.post_to_webhook(fake_api.text_update(CHAT, "真的消息"))
    await fake_api.wait_for_sent(lambda c: c.method == "sendMessage")
    assert [turn.text for turn in dialogue.turns] == ["真的消息"]


async def test_webhook_redelivery_of_the_same_update_is_processed_once(
    webhook_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    update = fake_api.text_update(CHAT, "重发")

    assert await fake_api.post_to_webhook(update) == 200
    assert await fake_api.post_to_webhook(update) == 200
    await fake_api.post_to_webhook(fake_api.text_update(CHAT, "之后"))
    await fake_api.wait_for_sent(lambda c: c.text == "echo: 之后")

    assert [turn.text for turn in dialogue.turns] == ["重发", "之后"]
