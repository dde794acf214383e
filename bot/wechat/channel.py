"""The WeChat channel's adapter (bot/channel.py): the push URL mounted in the bot's web app, the outbound sender,
and parametric QR codes for campaigns."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI, Request, Response
from starlette.background import BackgroundTask

from bot.channel import CampaignCode, ChannelDeps, Sender, SharedState
from bot.settings import BotSettings
from bot.wechat.api import WeChatApi
from bot.wechat.conversation import FarmerMemory
from bot.wechat.delivery import CustomerService, WeChatSender
from bot.wechat.push import PushHandler, PushReply
from bot.wechat.security import PushRejected, PushSecurity
from core.errors import NonghuiError
from core.settings import secret_value
from loans.stations import SAMPLE_STATIONS, StationMatcher, load_stations

log = logging.getLogger(__name__)

CHANNEL = "wechat"
MAX_PERMANENT_SCENE = 64  # QR_LIMIT_STR_SCENE accepts scene strings of 1–64 characters


class WeChatStartError(NonghuiError):
    """The WeChat channel cannot start: a secret production needs is missing, or the settings do not fit."""


class WeChatChannel:
    """A WeChat Official Account (Service Account); on when `wechat_app_id` and the token are set."""

    name = CHANNEL

    def __init__(self, settings: BotSettings) -> None:
        self._settings = settings
        self._http: httpx.AsyncClient | None = None
        self._api: WeChatApi | None = None
        self._memory: FarmerMemory | None = None
        self._handler: PushHandler | None = None

    @property
    def enabled(self) -> bool:
        """True when an app id and the push token are configured."""
        return bool(self._settings.wechat_app_id) and secret_value(self._settings.wechat_token) is not None

    def campaign_link(self, payload: str) -> str | None:
        """None: WeChat has no deep links; its campaign QR codes come from the API (`campaign_code`)."""
        return None

    def check_settings(self) -> None:
        """WeChatStartError for settings the channel cannot run with (production needs every secret)."""
        settings = self._settings
        missing = [
            variable
            for variable, value, needed in (
                ("NONGHUI_WECHAT_TOKEN", settings.wechat_token, True),
                ("NONGHUI_WECHAT_APP_SECRET", settings.wechat_app_secret, settings.env == "production"),
                ("NONGHUI_WECHAT_ENCODING_AES_KEY", settings.wechat_encoding_aes_key, settings.wechat_mode == "safe"),
            )
            if needed and secret_value(value) is None
        ]
        if missing:
            raise WeChatStartError(f"the WeChat channel needs {', '.join(missing)}")
        if secret_value(settings.wechat_app_secret) is None:
            log.warning("wechat runs without NONGHUI_WECHAT_APP_SECRET: passive replies only, nothing sent later")

    def _security(self) -> PushSecurity:
        settings = self._settings
        try:
            return PushSecurity(
                token=secret_value(settings.wechat_token) or "",
                mode=settings.wechat_mode,
                app_id=settings.wechat_app_id or "",
                encoding_aes_key=secret_value(settings.wechat_encoding_aes_key),
            )
        except PushRejected as err:
            raise WeChatStartError(str(err)) from err

    def _api_for(self, http: httpx.AsyncClient, state: SharedState) -> WeChatApi | None:
        secret = secret_value(self._settings.wechat_app_secret)
        if secret is None:
            return None
        return WeChatApi(
            http,
            base_url=self._settings.wechat_api_base_url,
            app_id=self._settings.wechat_app_id or "",
            app_secret=secret,
            state=state,
        )

    def mount(self, app: FastAPI, deps: ChannelDeps) -> None:
        """Add `GET` (URL verification) and `POST` (pushes) at `wechat_path`; WeChatStartError for bad settings."""
        self.check_settings()
        if deps.state is None:
            raise WeChatStartError("the WeChat channel needs the shared state (ChannelDeps.state)")
        settings = self._settings
        self._http = httpx.AsyncClient()
        self._api = self._api_for(self._http, deps.state)
        self._memory = FarmerMemory(deps.state, window_hours=settings.wechat_window_hours)
        customer_service = CustomerService(self._api, self._memory, deps.outbox, quota=settings.wechat_cs_quota)
        stations = StationMatcher(load_stations(settings.stations_file or SAMPLE_STATIONS))
        handler = PushHandler(
            security=self._security(),
            dialogue=deps.dialogue,
            seen=deps.seen,
            state=deps.state,
            handoffs=deps.handoffs,
            outbox=deps.outbox,
            memory=self._memory,
            customer_service=customer_service,
            api=self._api,
            stations=stations,
            passive_seconds=settings.wechat_passive_seconds,
            voice=deps.voice,
        )
        self._handler = handler

        async def verify(request: Request) -> Response:
            return _response(handler.handshake(request.query_params))

        async def push(request: Request) -> Response:
            return _response(await handler.receive(request.query_params, await request.body()))

        app.add_api_route(settings.wechat_path, verify, methods=["GET"], include_in_schema=False)
        app.add_api_route(settings.wechat_path, push, methods=["POST"], include_in_schema=False)

    async def start(self, deps: ChannelDeps) -> None:
        """Nothing to start: WeChat pushes to the mounted URL."""

    async def stop(self) -> None:
        """Let answers in progress finish, then close the API client."""
        if self._handler is not None:
            await self._handler.drain()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def sender(self) -> Sender | None:
        """Customer-service messages for the outbox (None without the app secret: nothing can be sent)."""
        if self._api is None or self._memory is None:
            return None
        return WeChatSender(self._api, self._memory, quota=self._settings.wechat_cs_quota)

    async def campaign_code(self, payload: str, *, days: int | None, state: SharedState) -> CampaignCode:
        """A parametric QR code with `payload` as scene string: permanent, or for `days` days (at most 30)."""
        self.check_settings()
        if len(payload) > MAX_PERMANENT_SCENE:
            raise WeChatStartError("a campaign payload longer than 64 characters cannot be a WeChat scene")
        async with httpx.AsyncClient() as http:
            api = self._api_for(http, state)
            if api is None:
                raise WeChatStartError("making WeChat QR codes needs NONGHUI_WECHAT_APP_SECRET")
            seconds = None if days is None else min(30, max(1, days)) * 24 * 3600
            code = await api.create_qr(payload, expire_seconds=seconds)
        expires = None if code.expire_seconds is None else datetime.now(UTC) + timedelta(seconds=code.expire_seconds)
        return CampaignCode(url=code.url, expires_at=expires)


def _response(reply: PushReply) -> Response:
    background = BackgroundTask(reply.after) if reply.after is not None else None
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type, background=background)
