"""Builds the python-telegram-bot `Application` of the Telegram channel from its collaborators."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.button_payloads import CallbackPayloads
from bot.channel import OpenHandoffs
from bot.dialogue import DialogueEngine
from bot.telegram.handlers import LANG_CALLBACK_PATTERN, TelegramChannel
from bot.telegram.ports import FarmerContacts, SeenUpdates
from bot.telegram.typing_indicator import DEFAULT_REFRESH_SECONDS
from bot.telegram.update_processor import PerChatUpdateProcessor
from bot.voice.listener import VoiceNotes

POLL_INTERVAL_KEY = "nonghui_poll_interval"
CHANNEL_KEY = "nonghui_channel"
DEDUP_GROUP = -2
PRIVATE_GROUP = -1  # after de-duplication, before every farmer handler

_SPOKEN = filters.VOICE | filters.AUDIO
_UNSUPPORTED = (
    filters.Sticker.ALL
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.POLL
    | filters.Dice.ALL
)


def file_base_url(api_base_url: str) -> str:
    """Telegram's file URL beside an API base URL: `.../bot` becomes `.../file/bot`."""
    parts = urlsplit(api_base_url)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    file_path = f"{head}/file/{last}" if last else "/file/bot"
    return urlunsplit((parts.scheme, parts.netloc, file_path, "", ""))


def build_telegram_application(
    *,
    token: str,
    api_base_url: str,
    dialogue: DialogueEngine,
    seen: SeenUpdates,
    contacts: FarmerContacts,
    poll_interval: float = 0.0,
    typing_interval: float = DEFAULT_REFRESH_SECONDS,
    max_concurrent_updates: int = 32,
    max_long_payloads: int = 4096,
    handoffs: OpenHandoffs | None = None,
    voice: VoiceNotes | None = None,
) -> Application:
    """Return an un-started Application with every handler of the channel registered (no persistence)."""
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_base_url)
        .base_file_url(file_base_url(api_base_url))
        .concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates))
        .build()
    )
    channel = TelegramChannel(
        dialogue=dialogue,
        seen=seen,
        contacts=contacts,
        payloads=CallbackPayloads(max_long_payloads),
        typing_interval=typing_interval,
        handoffs=handoffs,
        voice=voice,
    )
    application.bot_data[POLL_INTERVAL_KEY] = poll_interval
    application.bot_data[CHANNEL_KEY] = channel

    application.add_handler(TypeHandler(Update, channel.drop_repeats), group=DEDUP_GROUP)
    application.add_handler(TypeHandler(Update, channel.private_only), group=PRIVATE_GROUP)

    new_message = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("start", channel.on_start, filters=new_message))
    application.add_handler(CommandHandler("help", channel.on_help, filters=new_message))
    application.add_handler(CommandHandler("lang", channel.on_lang, filters=new_message))
    application.add_handler(CommandHandler("delete", channel.on_delete, filters=new_message))
    application.add_handler(CallbackQueryHandler(channel.on_lang_button, pattern=LANG_CALLBACK_PATTERN))
    application.add_handler(CallbackQueryHandler(channel.on_button))
    application.add_handler(MessageHandler(new_message & filters.COMMAND, channel.on_help))
    application.add_handler(MessageHandler(new_message & filters.TEXT, channel.on_text))
    # An edited message is read as a new message (the farmer corrected what they wrote); edited commands are not.
    edited = filters.UpdateType.EDITED_MESSAGE
    application.add_handler(MessageHandler(edited & filters.TEXT & ~filters.COMMAND, channel.on_text))
    application.add_handler(MessageHandler(new_message & filters.PHOTO, channel.on_photo))
    application.add_handler(MessageHandler(new_message & filters.CONTACT, channel.on_contact))
    application.add_handler(MessageHandler(new_message & _SPOKEN, channel.on_voice))
    application.add_handler(MessageHandler(new_message & _UNSUPPORTED, channel.on_unsupported))
    application.add_error_handler(channel.on_error)
    return application
