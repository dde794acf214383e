"""The web chat's adapter (bot/channel.py): the chat page and its JSON API, mounted in the bot's web app."""

from __future__ import annotations

import secrets

from fastapi import FastAPI

from bot.channel import ChannelDeps, Sender
from bot.limits import Rule
from bot.settings import BotSettings
from bot.web.app import CHANNEL, ChatLimits, mount_chat
from bot.web.identity import WebIdentity
from bot.web.links import web_link
from bot.web.messages_api import messages_router
from bot.web.voice_api import voice_router
from core.settings import secret_or_dev_file, secret_value


class WebChannel:
    """`GET /`, `POST /api/chat`, `POST /api/voice`, `GET /api/messages` (polled for staff replies); always on."""

    name = CHANNEL

    def __init__(self, settings: BotSettings) -> None:
        self._settings = settings

    @property
    def enabled(self) -> bool:
        """Always: the web chat is served by every bot process."""
        return True

    def campaign_link(self, payload: str) -> str | None:
        """The chat page (`public_web_url`, else the local server) with `?start=<payload>`."""
        return web_link(self._settings.resolved_public_web_url, payload)

    def identity(self) -> WebIdentity:
        """The chat-id signer and API-key check from the settings (a development key is generated once)."""
        settings = self._settings
        signing_key = secret_or_dev_file(
            secret_value(settings.web_session_key),
            name="web_session_key",
            env=settings.env,
            home=settings.home,
            generate=lambda: secrets.token_urlsafe(32),
            reason="it signs the web chat's chat ids",
        )
        return WebIdentity(
            signing_key=signing_key,
            api_key=secret_value(settings.api_key),
            secure_cookies=settings.secure_cookies_web,
        )

    def mount(self, app: FastAPI, deps: ChannelDeps) -> None:
        """Add the chat page, the chat API and the messages API to the bot's web app."""
        identity = self.identity()
        limits = ChatLimits(
            per_ip=Rule(self._settings.chat_turns_per_ip_minute, 60),
            per_chat=Rule(self._settings.chat_turns_per_conversation_minute, 60),
        )
        mount_chat(app, deps.dialogue, identity, limiter=deps.limiter, limits=limits)
        app.include_router(messages_router(deps.outbox, identity))
        app.include_router(
            voice_router(deps.dialogue, deps.voice, identity, handoffs=deps.handoffs, audio=deps.handoff_audio)
        )

    async def start(self, deps: ChannelDeps) -> None:
        """Nothing: the web server serves the mounted routes."""

    async def stop(self) -> None:
        """Nothing to stop."""

    def sender(self) -> Sender | None:
        """None: the chat page fetches staff replies and notices itself (`GET /api/messages`)."""
        return None
