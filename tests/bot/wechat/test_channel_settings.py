"""When the WeChat channel runs: an app id and the token turn it on; production refuses to start it without its
secrets; development without the app secret answers passively only."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from bot.channel import ChannelDeps
from bot.channels import all_channels, enabled_channels
from bot.settings import BotSettings
from bot.wechat.channel import WeChatChannel, WeChatStartError
from tests.fakes.wechat_platform import APP_ID, APP_SECRET, TOKEN, new_aes_key


def settings(tmp_path, **values) -> BotSettings:
    return BotSettings(home=tmp_path, TELEGRAM_BOT_TOKEN=None, **values)


def test_the_channel_is_listed_and_on_only_with_an_app_id_and_a_token(tmp_path):
    assert "wechat" in [c.name for c in all_channels(settings(tmp_path))]
    assert "wechat" not in [c.name for c in enabled_channels(settings(tmp_path, wechat_app_id=APP_ID))]
    on = settings(tmp_path, wechat_app_id=APP_ID, wechat_token=TOKEN)
    assert "wechat" in [c.name for c in enabled_channels(on)]
    assert WeChatChannel(on).campaign_link("abcd-x") is None  # WeChat's links are QR codes from its API


@pytest.mark.parametrize(
    "missing", ["wechat_app_secret", "wechat_token", "wechat_encoding_aes_key"], ids=lambda name: name
)
def test_production_refuses_to_start_wechat_with_a_missing_secret(tmp_path, missing):
    values = {
        "env": "production",
        "wechat_app_id": APP_ID,
        "wechat_app_secret": APP_SECRET,
        "wechat_token": TOKEN,
        "wechat_encoding_aes_key": new_aes_key(),
        "wechat_mode": "safe",
    }
    values[missing] = None
    channel = WeChatChannel(settings(tmp_path, **values))
    with pytest.raises(WeChatStartError, match=f"NONGHUI_{missing.upper()}"):
        channel.check_settings()


def test_mounting_without_the_shared_state_is_refused(tmp_path):
    channel = WeChatChannel(settings(tmp_path, wechat_app_id=APP_ID, wechat_token=TOKEN, wechat_mode="plain"))
    deps = ChannelDeps(dialogue=None, contacts=None, seen=None, handoffs=None, outbox=None)  # type: ignore[arg-type]
    with pytest.raises(WeChatStartError, match="shared state"):
        channel.mount(FastAPI(), deps)


def test_plain_mode_in_development_needs_neither_aes_key_nor_app_secret(tmp_path):
    channel = WeChatChannel(settings(tmp_path, wechat_app_id=APP_ID, wechat_token=TOKEN, wechat_mode="plain"))
    channel.check_settings()  # no error: passive replies only
    assert channel.sender() is None
