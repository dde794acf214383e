"""The Telegram channel: python-telegram-bot handlers that turn chats into dialogue turns.

Importing the package does not import python-telegram-bot: the names below load on first use, so the bot
process runs without it while Telegram is off (bot/telegram/channel.py starts it).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "build_telegram_application": "bot.telegram.app",
    "FarmerContacts": "bot.telegram.ports",
    "SeenUpdates": "bot.telegram.ports",
    "TelegramRunner": "bot.telegram.runner",
    "TelegramStartError": "bot.telegram.runner",
    "start_polling": "bot.telegram.runner",
    "start_webhook": "bot.telegram.runner",
    "stop": "bot.telegram.runner",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load an exported name from its module on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot.telegram' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
