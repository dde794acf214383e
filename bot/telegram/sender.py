"""The Telegram channel's outbound sender: outbox messages (staff replies, status notices) as Telegram messages."""

from __future__ import annotations

from bot.button_payloads import CallbackPayloads
from bot.messages import BotReply, Button
from bot.telegram.rendering import render_reply
from core.lang import Lang
from store.outbox import OutboxItem


class TelegramSender:
    """Sends outbox messages with the PTB bot, rendered like every other reply (buttons, splitting)."""

    def __init__(self, bot: object, payloads: CallbackPayloads | None = None) -> None:
        self._bot = bot
        self._payloads = payloads or CallbackPayloads()

    async def send(self, item: OutboxItem) -> None:
        """Send `item` to the chat `item.external_id`."""
        lang: Lang = "en" if item.lang == "en" else "zh"
        reply = BotReply(text=item.text, buttons=[Button(title=b.title, payload=b.payload) for b in item.buttons])
        for message in render_reply(reply, lang, self._payloads):
            await self._bot.send_message(  # type: ignore[attr-defined]
                chat_id=int(item.external_id), text=message.text, reply_markup=message.reply_markup
            )
