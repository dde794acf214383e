"""An edited Telegram message is answered as a new message through the real PTB Application."""

from __future__ import annotations

from typing import Any

from tests.bot.telegram.doubles import ScriptedDialogue
from tests.fakes.telegram_api import FakeTelegramServer

CHAT = 6262


async def test_an_edited_text_message_is_answered_as_new_text(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    update = fake_api.text_update(CHAT, "贷款要抵押吗")
    message = update.pop("message")
    fake_api.push_raw({**update, "edited_message": {**message, "edit_date": message["date"] + 5}})

    call = await fake_api.wait_for_sent(lambda c: c.method == "sendMessage" and c.chat_id == CHAT)

    assert [t.text for t in dialogue.turns] == ["贷款要抵押吗"]
    assert (call.text or "").startswith("echo:")
