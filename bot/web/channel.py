"""The web chat's adapter (bot/channel.py): the chat page and its JSON API, mounted in the bot's web app."""

from __future__ import annotations

from fastapi import FastAPI

from bot.channel import ChannelDeps, Sender
from bot.settings import BotSettings
from bot.web.app import CHANNEL, mount_chat
from bot.web.links import web_link
from bot.web.messages_api import messages_router
from bot.web.voice_api import voice_router


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

    def mount(self, app: FastAPI, deps: ChannelDeps) -> None:
        """Add the chat page, the chat API and the messages API to the bot's web app."""
        mount_chat(app, deps.dialogue)
        app.include_router(messages_router(deps.outbox))
        app.include_router(voice_router(deps.dialogue, deps.voice))

    async def start(self, deps: ChannelDeps) -> None:
        """Nothing: the web server serves the mounted routes."""

    async def stop(self) -> None:
        """Nothing to stop."""

    def sender(self) -> Sender | None:
        """None: the chat page fetches staff replies and notices itself (`GET /api/messages`)."""
        return None
