"""Shows "typing…" in a chat while the bot works, refreshing it before Telegram lets it lapse (~5 s)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

_LOG = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 4.0


class TypingIndicator:
    """Async context manager: sends a typing action at once and every `interval` seconds until exit."""

    def __init__(self, bot: Bot, chat_id: int, interval: float = DEFAULT_REFRESH_SECONDS) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._bot = bot
        self._chat_id = chat_id
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> TypingIndicator:
        await self._send()
        self._task = asyncio.create_task(self._refresh(), name=f"typing-indicator-{self._chat_id}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self._send()

    async def _send(self) -> None:
        try:
            await self._bot.send_chat_action(chat_id=self._chat_id, action=ChatAction.TYPING)
        except TelegramError as err:
            # A missing typing bubble must never stop the answer itself.
            _LOG.warning("typing indicator not shown: %s", type(err).__name__)
