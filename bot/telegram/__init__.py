"""The Telegram channel: python-telegram-bot handlers that turn chats into dialogue turns."""

from bot.telegram.app import build_telegram_application
from bot.telegram.ports import FarmerContacts, SeenUpdates
from bot.telegram.runner import TelegramRunner, TelegramStartError, start_polling, start_webhook, stop

__all__ = [
    "FarmerContacts",
    "SeenUpdates",
    "TelegramRunner",
    "TelegramStartError",
    "build_telegram_application",
    "start_polling",
    "start_webhook",
    "stop",
]
