"""Start and stop the Telegram application inside an asyncio loop the caller owns (polling or webhook)."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.channel import OpenHandoffs
from bot.dialogue import DialogueEngine
from bot.settings import BotSettings
from bot.telegram.app import POLL_INTERVAL_KEY, build_telegram_application
from bot.telegram.ports import FarmerContacts, SeenUpdates
from bot.voice.listener import VoiceNotes
from core.errors import NonghuiError

_LOG = logging.getLogger(__name__)

_COMMANDS: dict[str | None, list[BotCommand]] = {
    None: [
        BotCommand("start", "开始 / 重新开始"),
        BotCommand("lang", "切换语言 中文 / English"),
        BotCommand("help", "使用说明"),
    ],
    "en": [
        BotCommand("start", "Start or start again"),
        BotCommand("lang", "Switch language 中文 / English"),
        BotCommand("help", "How to use this bot"),
    ],
}


class TelegramStartError(NonghuiError):
    """The Telegram channel could not start (bad token, API unreachable, port in use…)."""


def protect_logs() -> None:
    """Keep secrets and personal data out of logs, whatever level the root logger is set to later.

    httpx logs request URLs (which carry the bot token) at INFO; PTB logs whole updates (phones, texts)
    and the webhook secret at DEBUG. An explicit level on these loggers stops both.
    """
    for name, floor in (("httpx", logging.WARNING), ("httpcore", logging.INFO), ("telegram", logging.INFO)):
        logger = logging.getLogger(name)
        if logger.level < floor:
            logger.setLevel(floor)


async def _register_commands(app: Application) -> None:
    for language_code, commands in _COMMANDS.items():
        try:
            await app.bot.set_my_commands(commands, language_code=language_code)
        except TelegramError as err:
            # The command menu is a convenience; the bot works without it.
            _LOG.warning("could not register telegram commands: %s", type(err).__name__)


async def start_polling(
    app: Application,
    *,
    poll_interval: float | None = None,
    timeout: float = 10.0,
) -> None:
    """Initialise and start `app`, then long-poll getUpdates in the background; returns once polling."""
    if app.updater is None:
        raise TelegramStartError("the application has no updater to poll with")
    protect_logs()
    interval = poll_interval if poll_interval is not None else float(app.bot_data.get(POLL_INTERVAL_KEY, 0.0))
    try:
        await app.initialize()
        await _register_commands(app)
        await app.updater.start_polling(
            poll_interval=interval,
            timeout=dt.timedelta(seconds=timeout),
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        await app.start()
    except (TelegramError, OSError, RuntimeError) as err:
        await stop(app)
        raise TelegramStartError(f"telegram polling could not start: {type(err).__name__}") from err


MIN_WEBHOOK_SECRET_CHARS = 32
_WEBHOOK_SECRET_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")


class ConstantTimeSecret(str):
    """The webhook secret as PTB keeps it: a str whose (in)equality is decided by `hmac.compare_digest`, so
    PTB's `header != secret` check takes the same time whatever the header (a subclass's reflected `__ne__`
    runs first)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, str):
            return NotImplemented
        return hmac.compare_digest(str.encode(self, "utf-8"), other.encode("utf-8", "replace"))

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__


def check_webhook_secret(secret: str) -> str:
    """`secret` when it is ≥ 32 characters of Telegram's alphabet and looks random; else TelegramStartError."""
    if len(secret) < MIN_WEBHOOK_SECRET_CHARS or not _WEBHOOK_SECRET_ALPHABET.match(secret):
        raise TelegramStartError(
            f"TELEGRAM_WEBHOOK_SECRET must be at least {MIN_WEBHOOK_SECRET_CHARS} characters of A-Z a-z 0-9 _ - "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if len(set(secret)) < len(secret) // 3 or len(set(secret)) < 12:
        raise TelegramStartError("TELEGRAM_WEBHOOK_SECRET looks guessable: use a random one")
    return secret


async def start_webhook(
    app: Application,
    *,
    listen: str,
    port: int,
    webhook_url: str,
    secret_token: str | None,
    url_path: str | None = None,
) -> None:
    """Initialise and start `app`, serve the webhook on `listen:port/url_path` and register `webhook_url`.

    `url_path` defaults to the path of `webhook_url` (right when a proxy forwards the path unchanged).
    PTB rejects requests whose `X-Telegram-Bot-Api-Secret-Token` header differs from `secret_token` (403).
    """
    if app.updater is None:
        raise TelegramStartError("the application has no updater to serve the webhook")
    protect_logs()
    try:
        await app.initialize()
        await _register_commands(app)
        await app.updater.start_webhook(
            listen=listen,
            port=port,
            url_path=url_path if url_path is not None else urlsplit(webhook_url).path.lstrip("/"),
            webhook_url=webhook_url,
            secret_token=ConstantTimeSecret(secret_token) if secret_token is not None else None,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        await app.start()
    except (TelegramError, OSError, RuntimeError) as err:
        await stop(app)
        raise TelegramStartError(f"telegram webhook could not start: {type(err).__name__}") from err


async def stop(app: Application) -> None:
    """Stop fetching updates, finish in-flight ones and shut `app` down; safe to call more than once."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


@dataclass(frozen=True)
class WebhookOptions:
    """Where PTB's webhook server listens and what URL Telegram is told to call."""

    listen: str
    port: int
    webhook_url: str
    secret_token: str | None


class TelegramRunner:
    """The Telegram channel as the composition root sees it: built from settings, started, stopped."""

    def __init__(
        self,
        application: Application,
        *,
        webhook: WebhookOptions | None = None,
        poll_interval: float | None = None,
    ) -> None:
        self.application = application
        self._webhook = webhook
        self._poll_interval = poll_interval

    @classmethod
    def from_settings(
        cls,
        settings: BotSettings,
        *,
        dialogue: DialogueEngine,
        seen: SeenUpdates,
        contacts: FarmerContacts,
        handoffs: OpenHandoffs | None = None,
        voice: VoiceNotes | None = None,
    ) -> TelegramRunner:
        """Build the application from `BotSettings`; raises TelegramStartError for unusable settings."""
        if settings.telegram_bot_token is None:
            raise TelegramStartError("TELEGRAM_BOT_TOKEN is not set")
        webhook: WebhookOptions | None = None
        if settings.telegram_mode == "webhook":
            if not settings.telegram_webhook_url:
                raise TelegramStartError("webhook mode needs NONGHUI_TELEGRAM_WEBHOOK_URL")
            secret = settings.telegram_webhook_secret
            if secret is None and settings.env == "production":
                raise TelegramStartError("webhook mode in production needs TELEGRAM_WEBHOOK_SECRET")
            if secret is None:
                _LOG.warning("telegram webhook runs without a secret token: anyone could post updates")
            webhook = WebhookOptions(
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                webhook_url=settings.telegram_webhook_url,
                secret_token=check_webhook_secret(secret.get_secret_value()) if secret else None,
            )
        application = build_telegram_application(
            token=settings.telegram_bot_token.get_secret_value(),
            api_base_url=settings.telegram_api_base_url,
            dialogue=dialogue,
            seen=seen,
            contacts=contacts,
            poll_interval=settings.telegram_poll_interval,
            handoffs=handoffs,
            voice=voice,
        )
        return cls(application, webhook=webhook)

    @property
    def mode(self) -> str:
        """Either "webhook" or "polling"."""
        return "webhook" if self._webhook else "polling"

    async def start(self) -> None:
        """Start receiving updates in the background of the running loop; returns once ready."""
        if self._webhook is None:
            await start_polling(self.application, poll_interval=self._poll_interval)
            return
        await start_webhook(
            self.application,
            listen=self._webhook.listen,
            port=self._webhook.port,
            webhook_url=self._webhook.webhook_url,
            secret_token=self._webhook.secret_token,
        )

    async def stop(self) -> None:
        """Stop receiving updates and shut the application down."""
        await stop(self.application)
