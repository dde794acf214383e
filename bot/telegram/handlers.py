"""PTB callbacks of the Telegram channel: each farmer action becomes one `UserTurn` for the dialogue."""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from datetime import timedelta
from typing import Final

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.arrivals import ARRIVAL_RECORDED, START_PAYLOAD
from bot.button_payloads import CHANNEL_PREFIX, CallbackPayloads
from bot.channel import OpenHandoffs
from bot.dialogue import DialogueEngine
from bot.messages import UserTurn
from bot.telegram.chat_language import ChatLanguage, chat_language, client_lang, parse_lang
from bot.telegram.media import media_metadata, voice_bytes
from bot.telegram.ports import FarmerContacts, SeenUpdates
from bot.telegram.rendering import render_reply
from bot.telegram.texts import LANG_BUTTON_TITLES, ChannelText, channel_text
from bot.telegram.typing_indicator import DEFAULT_REFRESH_SECONDS, TypingIndicator
from bot.voice.listener import VOICE_KEY, Heard, VoiceNotes
from core.intents import Intent
from core.lang import Lang

_LOG = logging.getLogger(__name__)

CHANNEL: Final = "telegram"
GREET_TURN = Intent.GREET.payload
SHARE_CONTACT_TURN = Intent.SHARE_CONTACT.payload
DELETE_DATA_TURN = Intent.DELETE_DATA.payload
# Set in a group's chat data once the bot has asked its members to message it privately.
TOLD_PRIVATE_KEY = "told_to_message_privately"
# Set while a share-contact reply keyboard is on the farmer's screen; the next plain message removes it.
CONTACT_KEYBOARD_KEY = "contact_keyboard_shown"
LANG_CALLBACK_PREFIX = f"{CHANNEL_PREFIX}lang:"
LANG_CALLBACK_PATTERN = rf"^{re.escape(LANG_CALLBACK_PREFIX)}"
# Telegram allows deep-link payloads of up to 64 characters from this alphabet.
_START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def start_payload(args: list[str] | None) -> str | None:
    """The deep-link payload of `/start <payload>`, or None when absent or not a valid payload."""
    if not args or len(args) != 1:
        return None
    candidate = args[0]
    return candidate if _START_PAYLOAD.match(candidate) else None


def forwarded_metadata(message: Message) -> dict[str, object]:
    """`{"forwarded": True}` for a message forwarded from another chat (checked for scams, not answered)."""
    return {"forwarded": True} if message.forward_origin is not None else {}


def sender_id(chat_id: int) -> str:
    """The dialogue's sender id for a Telegram chat."""
    return f"tg:{chat_id}"


def lang_keyboard() -> InlineKeyboardMarkup:
    """Buttons to pick Chinese or English."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(title, callback_data=f"{LANG_CALLBACK_PREFIX}{lang}")]
            for lang, title in LANG_BUTTON_TITLES.items()
        ]
    )


class TelegramChannel:
    """Holds the channel's collaborators and implements every handler the application registers."""

    def __init__(
        self,
        *,
        dialogue: DialogueEngine,
        seen: SeenUpdates,
        contacts: FarmerContacts,
        payloads: CallbackPayloads,
        typing_interval: float = DEFAULT_REFRESH_SECONDS,
        handoffs: OpenHandoffs | None = None,
        voice: VoiceNotes | None = None,
    ) -> None:
        self._voice = voice
        self._dialogue = dialogue
        self._seen = seen
        self._contacts = contacts
        self._payloads = payloads
        self._typing_interval = typing_interval
        self._handoffs = handoffs

    async def drop_repeats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Group -1 guard: stop processing an update whose `update_id` was already handled."""
        try:
            first_time = await asyncio.to_thread(self._seen.mark_seen, source=CHANNEL, update_id=update.update_id)
        except Exception as err:
            # Answering twice is better than not answering: go on when the store cannot tell.
            _LOG.warning("could not check update %s for repeats: %s", update.update_id, type(err).__name__)
            return
        if not first_time:
            _LOG.info("dropping repeated telegram update %s", update.update_id)
            raise ApplicationHandlerStop

    async def private_only(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Group -1 guard: farmers are served in private chats only. In a group, channel or other shared chat
        the bot says once (per chat) "please message me directly" and runs nothing: no form, no status, no
        deletion, no dialogue."""
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError as err:
                _LOG.info("could not answer a callback in a shared chat: %s", type(err).__name__)
        chat_data = context.chat_data if context.chat_data is not None else {}
        addressed = update.message is not None or update.callback_query is not None
        if addressed and chat.type != ChatType.CHANNEL and not chat_data.get(TOLD_PRIVATE_KEY):
            chat_data[TOLD_PRIVATE_KEY] = True
            try:
                await context.bot.send_message(chat_id=chat.id, text=channel_text(ChannelText.PRIVATE_ONLY, None))
            except TelegramError as err:
                _LOG.info("could not tell a shared chat to message privately: %s", type(err).__name__)
        raise ApplicationHandlerStop

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/start [payload]`: record how the farmer arrived, then greet through the dialogue."""
        chat = update.effective_chat
        if chat is None:
            return
        payload = start_payload(context.args)
        language = chat_language(context.chat_data)
        user = update.effective_user
        lang = language.explicit or client_lang(user.language_code if user else None)
        try:
            await asyncio.to_thread(
                self._contacts.record_start,
                channel=CHANNEL,
                external_id=str(chat.id),
                payload=payload,
                lang=lang,
            )
        except Exception as err:
            # The greeting matters more to the farmer than the campaign statistics.
            _LOG.warning("could not record a telegram start: %s", type(err).__name__)
        metadata: dict[str, object] = {START_PAYLOAD: payload, ARRIVAL_RECORDED: True}
        if payload is None and context.args:
            metadata["start_payload_rejected"] = True  # counted as an unknown campaign arrival
        if lang is not None:
            metadata["client_lang"] = lang
        await self._converse(update, context, GREET_TURN, metadata, lang=lang)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/help` and unknown commands: what the bot does and its commands."""
        lang = chat_language(context.chat_data).for_text()
        await self._send_channel_text(update, context, ChannelText.HELP, lang)

    async def on_lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/lang zh|en` switches language; `/lang` alone or an unknown word offers buttons."""
        language = chat_language(context.chat_data)
        if not context.args:
            await self._send_channel_text(
                update, context, ChannelText.LANG_CHOOSE, language.for_text(), lang_keyboard()
            )
            return
        chosen = parse_lang(context.args[0])
        if chosen is None:
            await self._send_channel_text(
                update, context, ChannelText.LANG_UNKNOWN, language.for_text(), lang_keyboard()
            )
            return
        await self._switch_lang(update, context, language, chosen)

    async def on_lang_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A tap on a language button."""
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        chosen = parse_lang((query.data or "").removeprefix(LANG_CALLBACK_PREFIX))
        language = chat_language(context.chat_data)
        if chosen is None:
            await self._send_channel_text(update, context, ChannelText.BUTTON_EXPIRED, language.for_text())
            return
        await self._switch_lang(update, context, language, chosen)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A tap on a dialogue button: answer the query, then send its payload as the farmer's turn."""
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        payload = self._payloads.resolve(query.data or "")
        if payload is None:
            lang = chat_language(context.chat_data).for_text()
            await self._send_channel_text(update, context, ChannelText.BUTTON_EXPIRED, lang)
            return
        await self._converse(update, context, payload, {"from_button": True})

    async def on_delete(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/delete`: the dialogue asks the farmer to confirm, then erases their personal data."""
        await self._converse(update, context, DELETE_DATA_TURN, {"from_command": True})

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text message: the farmer's turn as typed."""
        message = update.effective_message
        if message is None or not message.text:
            return
        await self._converse(update, context, message.text, forwarded_metadata(message))

    async def on_photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo: its caption is the turn when present; otherwise explain that the bot reads text."""
        message = update.effective_message
        caption = message.caption if message else None
        if message is not None and caption and caption.strip():
            metadata = {"with_photo": True, **forwarded_metadata(message)}
            if await self._with_person(update):
                metadata.update(media_metadata(message))  # staff see the photo too, not only its caption
            await self._converse(update, context, caption, metadata)
            return
        await self.on_unsupported(update, context)

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared contact: the phone goes to the dialogue as metadata, never into logs."""
        message = update.effective_message
        contact = message.contact if message else None
        if contact is None:
            return
        user = update.effective_user
        metadata: dict[str, object] = {
            "contact_phone": contact.phone_number,
            "contact_is_own": user is not None and contact.user_id == user.id,
        }
        await self._converse(update, context, SHARE_CONTACT_TURN, metadata)

    async def on_voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A voice note or audio file: heard offline, then read back (bot/voice/gate.py) or answered.

        The audio is fetched into memory and dropped after recognition; its file_id reaches the dialogue (and so
        the staff) only while a person handles the conversation."""
        message = update.effective_message
        chat = update.effective_chat
        spoken = (message.voice or message.audio) if message else None
        if message is None or chat is None or spoken is None or self._voice is None:
            await self.on_unsupported(update, context)
            return
        language = chat_language(context.chat_data)
        with_person = await self._with_person(update)
        metadata: dict[str, object] = media_metadata(message) if with_person else {}
        length = spoken.duration
        seconds = length.total_seconds() if isinstance(length, timedelta) else float(length) if length else None
        if seconds is not None and seconds > self._voice.max_seconds:
            heard = Heard("too_long", seconds=seconds)
        else:
            async with TypingIndicator(context.bot, chat.id, self._typing_interval):
                audio = await voice_bytes(context.bot, spoken.file_id)
                heard = await self._voice.listen(audio, lang=language.explicit or language.last_answer, seconds=seconds)
        metadata[VOICE_KEY] = heard.metadata()
        await self._converse(update, context, heard.text, {**metadata, **forwarded_metadata(message)})

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, documents, locations, photos without caption: a polite 'I read text' reply.

        While a person handles the conversation, the media goes to them instead (its file_id is kept).
        """
        message = update.effective_message
        if message is not None and await self._with_person(update):
            await self._converse(update, context, message.caption or "", media_metadata(message))
            return
        lang = chat_language(context.chat_data).for_text()
        await self._send_channel_text(update, context, ChannelText.MEDIA_NOT_SUPPORTED, lang)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure without personal data, and apologise to the farmer when there is a chat."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
        # Only the type and the stack: an exception's message may quote what the farmer wrote.
        _LOG.error(
            "telegram update %s failed with %s\n%s",
            update_id,
            type(error).__name__ if error else "unknown error",
            frames,
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        message = update.effective_message
        said = (message.text or message.caption) if message else None
        lang = chat_language(context.chat_data).for_text(said)
        try:
            await context.bot.send_message(
                chat_id=update.effective_chat.id, text=channel_text(ChannelText.APOLOGY, lang)
            )
        except TelegramError as err:
            _LOG.error("could not send the apology for update %s: %s", update_id, type(err).__name__)

    async def _with_person(self, update: Update) -> bool:
        """Whether a hand-off is open for this chat (False when unknown: the farmer then gets the usual reply)."""
        chat = update.effective_chat
        if self._handoffs is None or chat is None:
            return False
        try:
            found = await asyncio.to_thread(self._handoffs.open_for, CHANNEL, str(chat.id))
        except Exception as err:
            _LOG.warning("could not check for an open hand-off: %s", type(err).__name__)
            return False
        return found is not None

    async def _switch_lang(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, language: ChatLanguage, chosen: Lang
    ) -> None:
        language.explicit = chosen
        await self._send_channel_text(update, context, ChannelText.LANG_SWITCHED, chosen)

    async def _converse(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        text: str,
        metadata: dict[str, object],
        *,
        lang: Lang | None = None,
    ) -> None:
        """Send the farmer's turn to the dialogue and their replies back; `lang` (the app's language on `/start`)
        stands when the farmer has not chosen one."""
        chat = update.effective_chat
        if chat is None:
            return
        language = chat_language(context.chat_data)
        turn = UserTurn(
            sender_id=sender_id(chat.id),
            text=text,
            channel=CHANNEL,
            lang=language.explicit or lang,
            metadata=metadata,
        )
        async with TypingIndicator(context.bot, chat.id, self._typing_interval):
            result = await self._dialogue.handle(turn)
        language.last_answer = result.lang
        for reply in result.replies:
            for message in render_reply(reply, result.lang, self._payloads):
                markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = message.reply_markup
                chat_data = context.chat_data if context.chat_data is not None else {}
                if isinstance(markup, ReplyKeyboardMarkup):
                    chat_data[CONTACT_KEYBOARD_KEY] = True
                elif markup is None and chat_data.pop(CONTACT_KEYBOARD_KEY, False):
                    markup = ReplyKeyboardRemove()
                await context.bot.send_message(chat_id=chat.id, text=message.text, reply_markup=markup)

    async def _send_channel_text(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        key: ChannelText,
        lang: Lang | None,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        await context.bot.send_message(chat_id=chat.id, text=channel_text(key, lang), reply_markup=reply_markup)
