from __future__ import annotations

import socket
from typing import Any

import pytest

from bot.settings import BotSettings
from bot.telegram import TelegramRunner, build_telegram_application, start_polling, stop
from bot.telegram.runner import TelegramStartError
from core.errors import NonghuiError
from tests.bot.telegram.doubles import ScriptedDialogue
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.telegram_ports import InMemorySeenUpdates, RecordingContacts

HOOK_SECRET = "hook-Secret_9fK2mQ7xZp4LvW8rT1yN6cB3"


def make_app(fake_api: FakeTelegramServer, token: str) -> Any:
    return build_telegram_application(
        token=token,
        api_base_url=fake_api.base_url,
        dialogue=ScriptedDialogue(),
        seen=InMemorySeenUpdates(),
        contacts=RecordingContacts(),
    )


async def test_a_rejected_token_fails_start_with_a_project_error(fake_api: FakeTelegramServer) -> None:
    app = make_app(fake_api, "999:not-the-token")

    with pytest.raises(TelegramStartError) as caught:
        await start_polling(app)

    assert isinstance(caught.value, NonghuiError)
    assert "999:not-the-token" not in str(caught.value)


async def test_polling_deletes_any_webhook_and_stop_is_safe_to_repeat(fake_api: FakeTelegramServer) -> None:
    app = make_app(fake_api, fake_api.token)

    await start_polling(app)
    assert app.updater is not None and app.updater.running
    await stop(app)
    await stop(app)

    assert [call.method for call in fake_api.calls("deleteWebhook")] == ["deleteWebhook"]
    assert not app.running


async def test_failing_command_menu_does_not_stop_the_bot(fake_api: FakeTelegramServer) -> None:
    fake_api.fail_next("setMyCommands", times=2)
    app = make_app(fake_api, fake_api.token)

    await start_polling(app)
    try:
        fake_api.push_text(5, "hello")
        call = await fake_api.wait_for_sent(lambda c: c.method == "sendMessage")
    finally:
        await stop(app)

    assert call.text == "echo: hello"


def settings_for(fake_api: FakeTelegramServer, **overrides: Any) -> BotSettings:
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": fake_api.token,
        "TELEGRAM_API_BASE_URL": fake_api.base_url,
    }
    values.update(overrides)
    return BotSettings(**values)


def runner_for(settings: BotSettings) -> TelegramRunner:
    return TelegramRunner.from_settings(
        settings, dialogue=ScriptedDialogue(), seen=InMemorySeenUpdates(), contacts=RecordingContacts()
    )


async def test_runner_from_settings_polls_and_answers(fake_api: FakeTelegramServer) -> None:
    runner = runner_for(settings_for(fake_api, telegram_mode="polling"))

    await runner.start()
    try:
        fake_api.push_text(9, "你好")
        call = await fake_api.wait_for_sent(lambda c: c.method == "sendMessage")
    finally:
        await runner.stop()

    assert runner.mode == "polling"
    assert call.text == "echo: 你好"


async def test_runner_from_settings_serves_the_webhook_with_its_secret(fake_api: FakeTelegramServer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = settings_for(
        fake_api,
        telegram_mode="webhook",
        telegram_webhook_url=f"http://127.0.0.1:{port}/tg/hook",
        telegram_webhook_port=port,
        TELEGRAM_WEBHOOK_SECRET=HOOK_SECRET,
    )
    runner = runner_for(settings)

    await runner.start()
    try:
        wrong = await fake_api.post_to_webhook(fake_api.text_update(9, "x"), secret="nope")
        right = await fake_api.post_to_webhook(fake_api.text_update(9, "hello"))
        call = await fake_api.wait_for_sent(lambda c: c.method == "sendMessage")
    finally:
        await runner.stop()

    assert (wrong, right) == (403, 200)
    assert fake_api.webhook_secret == HOOK_SECRET
    assert call.text == "echo: hello"


def test_runner_refuses_webhook_mode_without_url(fake_api: FakeTelegramServer) -> None:
    with pytest.raises(TelegramStartError, match="WEBHOOK_URL"):
        runner_for(settings_for(fake_api, telegram_mode="webhook"))


def test_runner_refuses_a_production_webhook_without_secret(fake_api: FakeTelegramServer) -> None:
    settings = settings_for(
        fake_api, env="production", telegram_mode="webhook", telegram_webhook_url="https://bot.example.org/tg"
    )

    with pytest.raises(TelegramStartError, match="SECRET"):
        runner_for(settings)


@pytest.mark.parametrize(
    "secret", ["hook-secret", "a" * 40, "abcabcabcabcabcabcabcabcabcabcabcabc", "x" * 20 + "!" * 20]
)
def test_runner_refuses_a_short_guessable_or_malformed_webhook_secret(
    fake_api: FakeTelegramServer, secret: str
) -> None:
    settings = settings_for(
        fake_api,
        telegram_mode="webhook",
        telegram_webhook_url="https://bot.example.org/tg",
        TELEGRAM_WEBHOOK_SECRET=secret,
    )

    with pytest.raises(TelegramStartError, match="TELEGRAM_WEBHOOK_SECRET"):
        runner_for(settings)


def test_webhook_secret_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    from bot.telegram.runner import ConstantTimeSecret

    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    secret = ConstantTimeSecret(HOOK_SECRET)

    wrong = secret != "hook-Secret_XXXXXXXXXXXXXXXXXXXXXXXX"  # PTB's own check: header != secret
    right = secret != HOOK_SECRET

    assert wrong and not right
    assert compared == [(HOOK_SECRET.encode(), b"hook-Secret_XXXXXXXXXXXXXXXXXXXXXXXX"), (HOOK_SECRET.encode(),) * 2]


def test_runner_needs_a_token() -> None:
    with pytest.raises(TelegramStartError, match="TOKEN"):
        runner_for(BotSettings(TELEGRAM_BOT_TOKEN=None))
