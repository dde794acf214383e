"""Telegram bits of the loan pre-application: /delete, and the share-contact keyboard coming and going."""

from __future__ import annotations

from typing import Any

from bot.messages import BotReply, Button, TurnResult, UserTurn
from bot.telegram.rendering import SHARE_CONTACT_PAYLOAD
from tests.bot.telegram.doubles import ScriptedDialogue
from tests.fakes.telegram_api import FakeTelegramServer

CHAT = 4343


def has_text(text: str) -> Any:
    return lambda call: call.method == "sendMessage" and call.text == text


async def test_delete_command_goes_to_the_dialogue_as_the_delete_turn(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_command(CHAT, "/delete")

    await fake_api.wait_for_sent(has_text("echo: /delete_data"))

    assert dialogue.turns[0].text == "/delete_data"


async def test_the_contact_keyboard_is_removed_by_the_next_plain_message(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    def script(turn: UserTurn) -> TurnResult:
        if turn.text == "ask":
            button = Button(title="📱 发送我的手机号", payload=SHARE_CONTACT_PAYLOAD)
            return TurnResult(replies=[BotReply(text="手机号？", buttons=[button])], lang="zh")
        return TurnResult(replies=[BotReply(text=f"got {turn.text}")], lang="zh")

    dialogue.set_script(script)
    fake_api.push_text(CHAT, "ask")
    asked = await fake_api.wait_for_sent(has_text("手机号？"))
    fake_api.push_contact(CHAT, "+8613800138000")
    after = await fake_api.wait_for_sent(has_text("got /share_contact"))
    fake_api.push_text(CHAT, "again")
    later = await fake_api.wait_for_sent(has_text("got again"))

    assert asked.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    assert after.params["reply_markup"] == {"remove_keyboard": True}
    assert "reply_markup" not in later.params
