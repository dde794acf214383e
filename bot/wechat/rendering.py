"""Turns the dialogue's replies into WeChat text messages: at most 2,048 bytes each, buttons as numbered choices
that are also `weixin://bizmsgmenu` links (a tap sends the choice back with its number)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bot.messages import BotReply, Button
from bot.rendering import reply_text, split_message, utf8_length
from bot.wechat.texts import WeChatText, wechat_text
from core.intents import Intent
from core.lang import Lang

WECHAT_TEXT_LIMIT = 2048  # bytes of UTF-8 per text message (passive reply and customer-service message)
PART_SEPARATOR = "\n\n"
# WeChat cannot send a contact card: the pre-application asks for the number as text instead.
_DROPPED_PAYLOADS = frozenset({Intent.SHARE_CONTACT.payload})


@dataclass(frozen=True)
class RenderedTurn:
    """The text parts of a turn's replies (each within the limit) and the buttons they offer, numbered from 1."""

    parts: list[str]
    buttons: list[Button]


def menu_id(offer: str, number: int) -> str:
    """The `msgmenuid` of button `number` in the set `offer`: `<offer>_<number>`."""
    return f"{offer}_{number}" if offer else str(number)


def parse_menu_id(value: str) -> tuple[str | None, int] | None:
    """(offer, number) of a tapped link's `bizmsgmenuid`; None when it is not one of ours."""
    offer, _, number = value.strip().rpartition("_")
    if not number.isdigit():
        return None
    return (offer or None), int(number)


def button_line(number: int, button: Button, offer: str = "") -> str:
    """`1. <a href="weixin://bizmsgmenu?msgmenucontent=…&msgmenuid=…">…</a>`: tappable, and readable as a number."""
    title = html.escape(button.title, quote=True)
    link_id = menu_id(offer, number)
    return f'{number}. <a href="weixin://bizmsgmenu?msgmenucontent={title}&msgmenuid={link_id}">{title}</a>'


def render_turn(
    replies: Sequence[BotReply], lang: Lang, limit: int = WECHAT_TEXT_LIMIT, *, offer: str = ""
) -> RenderedTurn:
    """Every reply as text parts within `limit` bytes; the buttons of all replies numbered in order, their links
    tagged with the set id `offer`."""
    parts: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        shown = [b for b in reply.buttons if b.payload not in _DROPPED_PAYLOADS]
        text = reply_text(reply, lang)
        pieces = split_message(text, limit, measure=utf8_length) if text else []
        if shown:
            lines = [wechat_text(WeChatText.CHOOSE_BY_NUMBER, lang)]
            for button in shown:
                buttons.append(button)
                lines.append(button_line(len(buttons), button, offer))
            menu = "\n".join(lines)
            if pieces and utf8_length(pieces[-1] + PART_SEPARATOR + menu) <= limit:
                pieces[-1] = pieces[-1] + PART_SEPARATOR + menu
            else:
                pieces.extend(split_message(menu, limit, measure=utf8_length))
        parts.extend(pieces)
    return RenderedTurn(parts=parts, buttons=buttons)


def pack(parts: Sequence[str], limit: int = WECHAT_TEXT_LIMIT) -> list[str]:
    """Join consecutive parts into as few messages as fit `limit` bytes each (order kept)."""
    messages: list[str] = []
    for part in parts:
        if messages and utf8_length(messages[-1] + PART_SEPARATOR + part) <= limit:
            messages[-1] = messages[-1] + PART_SEPARATOR + part
        else:
            messages.append(part)
    return messages
