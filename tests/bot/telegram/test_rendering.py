from __future__ import annotations

from bot.button_payloads import CallbackPayloads
from bot.messages import BotReply, Button
from bot.telegram.rendering import EMPTY_TEXT_WITH_BUTTONS, render_reply


def test_reply_with_only_buttons_gets_a_placeholder_text() -> None:
    reply = BotReply(text="", buttons=[Button(title="是", payload="/affirm")])

    messages = render_reply(reply, "zh", CallbackPayloads())

    assert [message.text for message in messages] == [EMPTY_TEXT_WITH_BUTTONS]
    assert messages[0].reply_markup is not None


def test_empty_reply_sends_nothing() -> None:
    assert render_reply(BotReply(text="  "), "zh", CallbackPayloads()) == []


def test_keyboard_has_one_button_per_row() -> None:
    reply = BotReply(text="选一个", buttons=[Button(title="甲", payload="/a"), Button(title="乙", payload="/b")])

    (message,) = render_reply(reply, "zh", CallbackPayloads())

    assert message.reply_markup is not None
    rows = message.reply_markup.inline_keyboard
    assert [[button.text for button in row] for row in rows] == [["甲"], ["乙"]]
    assert [row[0].callback_data for row in rows] == ["/a", "/b"]


def test_a_share_contact_button_becomes_a_one_time_contact_request_keyboard():
    from telegram import ReplyKeyboardMarkup

    from bot.messages import Button
    from bot.telegram.rendering import SHARE_CONTACT_PAYLOAD

    reply = BotReply(text="手机号？", buttons=[Button(title="📱 发送我的手机号", payload=SHARE_CONTACT_PAYLOAD)])

    (message,) = render_reply(reply, "zh", CallbackPayloads())

    assert isinstance(message.reply_markup, ReplyKeyboardMarkup)
    button = message.reply_markup.keyboard[0][0]
    assert (button.text, button.request_contact, message.reply_markup.one_time_keyboard) == (
        "📱 发送我的手机号",
        True,
        True,
    )
