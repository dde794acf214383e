"""Turns the dialogue's `BotReply` values into Telegram messages: source lines, keyboards, splitting."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.messages import BotReply, SourceRef
from bot.telegram.callback_payloads import CallbackPayloads
from core.intents import Intent
from core.lang import Lang

TELEGRAM_TEXT_LIMIT = 4096
# A button with this payload asks Telegram for the farmer's own phone number (a reply keyboard, not inline).
SHARE_CONTACT_PAYLOAD = Intent.SHARE_CONTACT.payload
EMPTY_TEXT_WITH_BUTTONS = "👇"

# From coarse to fine: paragraphs, lines, sentence ends, spaces. Each entry: (split pattern, joiner).
_SPLIT_LEVELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\n\n"), "\n\n"),
    (re.compile(r"\n"), "\n"),
    (re.compile(r"(?<=[。！？；!?;.])"), ""),
    (re.compile(r"(?<=\s)"), ""),
)


@dataclass(frozen=True)
class OutgoingMessage:
    """One Telegram message to send: plain text and an optional inline keyboard."""

    text: str
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units, so an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split `text` into parts of at most `limit`, preferring paragraph, then line, then sentence breaks."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    parts = _split(text, limit, 0)
    return [part for part in parts if part.strip()] or ([text] if text else [])


def _split(text: str, limit: int, level: int) -> list[str]:
    if telegram_length(text) <= limit:
        return [text]
    if level >= len(_SPLIT_LEVELS):
        return _hard_cut(text, limit)
    pattern, joiner = _SPLIT_LEVELS[level]
    chunks: list[str] = []
    current = ""
    for piece in pattern.split(text):
        candidate = f"{current}{joiner}{piece}" if current else piece
        if telegram_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if telegram_length(piece) > limit:
            chunks.extend(_split(piece, limit, level + 1))
            current = ""
        else:
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        width = telegram_length(char)
        if used + width > limit:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += width
    if current:
        chunks.append("".join(current))
    return chunks


def format_source(source: SourceRef, lang: Lang) -> str:
    """One compact source line, e.g. `📖 来源：《title》 locator` or `📖 Source: title, locator`."""
    if lang == "zh":
        line = f"📖 来源：《{source.title}》"
        if source.locator:
            line += f" {source.locator}"
    else:
        line = f"📖 Source: {source.title}"
        if source.locator:
            line += f", {source.locator}"
    if source.url:
        line += f" {source.url}"
    return line


def reply_text(reply: BotReply, lang: Lang) -> str:
    """The reply's text followed by one line per distinct source."""
    lines: list[str] = []
    for source in reply.sources:
        line = format_source(source, lang)
        if line not in lines:
            lines.append(line)
    body = reply.text.strip()
    if not lines:
        return body
    sources = "\n".join(lines)
    return f"{body}\n\n{sources}" if body else sources


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
    parts = split_message(text)
    messages = [OutgoingMessage(part) for part in parts[:-1]]
    messages.append(OutgoingMessage(parts[-1], markup))
    return messages
