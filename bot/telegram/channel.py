"""The Telegram channel's adapter (bot/channel.py): python-telegram-bot is imported only when it starts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from bot.channel import ChannelDeps, Sender
from bot.settings import BotSettings
from bot.telegram.links import telegram_link

if TYPE_CHECKING:
    from bot.telegram.runner import TelegramRunner

CHANNEL = "telegram"


class TelegramChannel:
    """Polling or webhook on its own port (settings `telegram_*`); on when `TELEGRAM_BOT_TOKEN` is set."""

    name = CHANNEL

    def __init__(self, settings: BotSettings) -> None:
        self._settings = settings
        self._runner: TelegramRunner | None = None

    @property
    def enabled(self) -> bool:
        """True when a bot token is configured."""
        return self._settings.telegram_bot_token is not None

    def campaign_link(self, payload: str) -> str | None:
        """`https://t.me/<bot>?start=<payload>`, or None without `telegram_bot_username`."""
        username = self._settings.telegram_bot_username
        return telegram_link(username, payload) if username else None

    def mount(self, app: FastAPI, deps: ChannelDeps) -> None:
        """Nothing: Telegram polls, or listens for webhooks on its own port."""

    async def start(self, deps: ChannelDeps) -> None:
        """Build the python-telegram-bot application and start polling or the webhook listener."""
        from bot.telegram.runner import TelegramRunner

        self._runner = TelegramRunner.from_settings(
            self._settings,
            dialogue=deps.dialogue,
            seen=deps.seen,
            contacts=deps.contacts,
            handoffs=deps.handoffs,
            voice=deps.voice,
        )
        await self._runner.start()

    async def stop(self) -> None:
        """Stop receiving updates and shut the application down."""
        if self._runner is not None:
            await self._runner.stop()
            self._runner = None

    def sender(self) -> Sender | None:
        """Sends outbox messages with the running application's bot."""
        if self._runner is None:
            return None
        from bot.telegram.sender import TelegramSender

        return TelegramSender(self._runner.application.bot)
