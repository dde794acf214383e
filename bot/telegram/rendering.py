"""Turns the dialogue's `BotReply` values into Telegram messages: keyboards, on top of bot/rendering.py."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.button_payloads import CallbackPayloads
from bot.messages import BotReply
from bot.rendering import reply_text, split_message
from core.intents import Intent
from core.lang import Lang

TELEGRAM_TEXT_LIMIT = 4096
# A button with this payload asks Telegram for the farmer's own phone number (a reply keyboard, not inline).
SHARE_CONTACT_PAYLOAD = Intent.SHARE_CONTACT.payload
EMPTY_TEXT_WITH_BUTTONS = "👇"


@dataclass(frozen=True)
class OutgoingMessage:
    """One Telegram message to send: plain text and an optional inline keyboard."""

    text: str
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None


def keyboard(reply: BotReply, payloads: CallbackPayloads) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """One inline button per row (long payloads go through `payloads` as `cb:<hash>`); a share-contact button
    becomes a one-time reply keyboard that sends the farmer's own number."""
    if not reply.buttons:
        return None
    contact = next((b for b in reply.buttons if b.payload == SHARE_CONTACT_PAYLOAD), None)
    if contact is not None:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(contact.title, request_contact=True)]], resize_keyboard=True, one_time_keyboard=True
        )
    rows = [
        [InlineKeyboardButton(button.title, callback_data=payloads.encode(button.payload))] for button in reply.buttons
    ]
    return InlineKeyboardMarkup(rows)


def render_reply(reply: BotReply, lang: Lang, payloads: CallbackPayloads) -> list[OutgoingMessage]:
    """Telegram messages for one reply; the keyboard rides on the last part. Empty replies send nothing."""
    markup = keyboard(reply, payloads)
    text = reply_text(reply, lang)
    if not text:
        return [OutgoingMessage(EMPTY_TEXT_WITH_BUTTONS, markup)] if markup else []
    parts = split_message(text, TELEGRAM_TEXT_LIMIT)
    messages = [OutgoingMessage(part) for part in parts[:-1]]
    messages.append(OutgoingMessage(parts[-1], markup))
    return messages
