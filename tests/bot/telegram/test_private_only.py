"""Farmers' conversations are private: in a group the bot says once "message me directly" and runs nothing."""

from __future__ import annotations

from typing import Any

from bot.telegram.texts import ChannelText, channel_text
from tests.bot.telegram.doubles import ScriptedDialogue
from tests.fakes.telegram_api import FakeTelegramServer

GROUP = -100123
MEMBER = 777
PRIVATE = 778


def in_group(update: dict[str, Any], chat_type: str = "group") -> dict[str, Any]:
    """The same update as if sent in a group chat by `MEMBER`."""
    for key in ("message", "callback_query"):
        if key in update:
            message = update[key] if key == "message" else update[key]["message"]
            message["chat"] = {"id": GROUP, "type": chat_type, "title": "村民群"}
    return update


async def test_in_a_group_the_bot_answers_once_and_runs_no_dialogue_form_status_or_deletion(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_raw(in_group(fake_api.text_update(MEMBER, "我要申请贷款")))
    told = await fake_api.wait_for_sent(lambda call: call.chat_id == GROUP)
    fake_api.push_raw(in_group(fake_api.command_update(MEMBER, "/delete")))
    fake_api.push_raw(in_group(fake_api.text_update(MEMBER, "我的申请怎么样了"), "supergroup"))
    fake_api.push_raw(in_group(fake_api.command_update(MEMBER, "/start")))
    fake_api.push_raw(in_group(fake_api.callback_update(MEMBER, "/confirm_delete_data")))
    fake_api.push_text(PRIVATE, "私聊的问题")  # a private chat after them: everything before was handled
    await fake_api.wait_for_sent(lambda call: call.chat_id == PRIVATE and call.method == "sendMessage")
    await fake_api.wait_for_sent(lambda call: call.method == "answerCallbackQuery")

    assert told.text == channel_text(ChannelText.PRIVATE_ONLY, None)
    assert "您" in told.text and "directly" in told.text
    assert len(fake_api.messages(GROUP)) == 1  # once, not for every message
    assert [turn.sender_id for turn in dialogue.turns] == [f"tg:{PRIVATE}"]
    assert len(fake_api.calls("answerCallbackQuery")) == 1  # the tap is acknowledged, nothing more


async def test_private_chats_are_served_as_before(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_command(PRIVATE, "/delete")

    await fake_api.wait_for_sent(lambda call: call.chat_id == PRIVATE and call.text == "echo: /delete_data")

    assert dialogue.turns[0].text == "/delete_data"
