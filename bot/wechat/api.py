"""A small async client of the WeChat Official Account API (httpx): the few calls the channel makes.

The access token comes from `stable_token` and is held in the state every bot worker shares, refreshed before it
expires and never logged. The base URL is a setting, so tests run against a fake platform on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from bot.channel import SharedState
from core.errors import NonghuiError

log = logging.getLogger(__name__)

STATE_SCOPE = "wechat"
TOKEN_KEY = "access_token"
REFRESH_MARGIN_SECONDS = 300  # refresh five minutes before WeChat's expiry
_TOKEN_ERRORS = frozenset({40001, 40014, 42001})
QUOTA_EXCEEDED = 45047  # too many customer-service messages since the farmer last wrote
WINDOW_CLOSED = 45015  # the farmer last wrote more than 48 hours ago


class WeChatApiError(NonghuiError):
    """The WeChat API answered with an error code (or could not be reached: code -1)."""

    def __init__(self, code: int, what: str) -> None:
        super().__init__(f"wechat {what} failed with errcode {code}")
        self.code = code


class QuotaExceeded(WeChatApiError):
    """No customer-service messages left for this farmer until they write again."""


class WindowClosed(WeChatApiError):
    """The farmer's 48-hour window for customer-service messages has closed."""


@dataclass(frozen=True)
class QrCode:
    """A parametric QR code: the `url` its image encodes, and when a temporary one expires (seconds)."""

    url: str
    ticket: str
    expire_seconds: int | None


def _error(code: int, what: str) -> WeChatApiError:
    if code == QUOTA_EXCEEDED:
        return QuotaExceeded(code, what)
    if code == WINDOW_CLOSED:
        return WindowClosed(code, what)
    return WeChatApiError(code, what)


def keep_token_out_of_logs() -> None:
    """httpx logs request URLs (which carry the access token) at INFO: keep its loggers at WARNING or above."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


class WeChatApi:
    """stable_token, customer-service text, media download, QR codes and the menu."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        app_id: str,
        app_secret: str,
        state: SharedState,
        timeout: float = 10.0,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._app_id = app_id
        self._secret = app_secret
        self._state = state
        self._timeout = timeout
        self._lock = asyncio.Lock()
        keep_token_out_of_logs()

    async def access_token(self, *, force: bool = False) -> str:
        """The shared access token, fetched with `stable_token` when missing or about to expire."""
        if not force:
            cached = await asyncio.to_thread(self._state.get, STATE_SCOPE, TOKEN_KEY)
            if cached:
                return cached
        async with self._lock:  # one refresh per worker; stable_token gives every worker the same token
            if not force:
                cached = await asyncio.to_thread(self._state.get, STATE_SCOPE, TOKEN_KEY)
                if cached:
                    return cached
            body = await self._post(
                "/cgi-bin/stable_token",
                {
                    "grant_type": "client_credential",
                    "appid": self._app_id,
                    "secret": self._secret,
                    "force_refresh": False,
                },
                what="stable_token",
                token=None,
            )
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise WeChatApiError(-1, "stable_token")
            lifetime = float(body.get("expires_in", 7200))
            await asyncio.to_thread(
                self._state.put,
                STATE_SCOPE,
                TOKEN_KEY,
                token,
                ttl=max(30.0, lifetime - REFRESH_MARGIN_SECONDS),
            )
            return token

    async def send_text(self, openid: str, content: str) -> None:
        """A customer-service text message; QuotaExceeded or WindowClosed when WeChat refuses it."""
        await self._call(
            "/cgi-bin/message/custom/send",
            {"touser": openid, "msgtype": "text", "text": {"content": content}},
            "custom send",
        )

    async def create_qr(self, scene: str, *, expire_seconds: int | None) -> QrCode:
        """A parametric QR code with a string scene: permanent (`QR_LIMIT_STR_SCENE`) or temporary."""
        payload: dict[str, Any] = {"action_info": {"scene": {"scene_str": scene}}}
        if expire_seconds is None:
            payload["action_name"] = "QR_LIMIT_STR_SCENE"
        else:
            payload["action_name"] = "QR_STR_SCENE"
            payload["expire_seconds"] = expire_seconds
        body = await self._call("/cgi-bin/qrcode/create", payload, "qrcode create")
        url, ticket = body.get("url"), body.get("ticket")
        if not isinstance(url, str) or not isinstance(ticket, str):
            raise WeChatApiError(-1, "qrcode create")
        expires = body.get("expire_seconds")
        return QrCode(url=url, ticket=ticket, expire_seconds=int(expires) if expires else None)

    async def create_menu(self, menu: dict[str, Any]) -> None:
        """Replace the account's custom menu."""
        await self._call("/cgi-bin/menu/create", menu, "menu create")

    async def download_media(self, media_id: str) -> bytes:
        """A temporary media file (a voice note's AMR, a photo) by its MediaId."""
        for attempt in range(2):
            token = await self.access_token(force=attempt > 0)
            try:
                response = await self._http.get(
                    f"{self._base}/cgi-bin/media/get",
                    params={"access_token": token, "media_id": media_id},
                    timeout=self._timeout,
                )
            except httpx.HTTPError as err:
                raise WeChatApiError(-1, "media get") from err
            if response.headers.get("content-type", "").startswith(("application/json", "text/plain")):
                code = int(_json(response).get("errcode", -1))
                if code in _TOKEN_ERRORS and attempt == 0:
                    continue
                raise _error(code, "media get")
            if response.status_code != 200:
                raise WeChatApiError(-1, "media get")
            return response.content
        raise WeChatApiError(-1, "media get")  # pragma: no cover - the loop returns or raises

    async def _call(self, path: str, payload: dict[str, Any], what: str) -> dict[str, Any]:
        """POST with the access token; a rejected token is refreshed once and the call repeated."""
        for attempt in range(2):
            token = await self.access_token(force=attempt > 0)
            try:
                return await self._post(path, payload, what=what, token=token)
            except WeChatApiError as err:
                if err.code in _TOKEN_ERRORS and attempt == 0:
                    log.info("wechat access token rejected (%s); fetching a new one", err.code)
                    continue
                raise
        raise WeChatApiError(-1, what)  # pragma: no cover - the loop returns or raises

    async def _post(self, path: str, payload: dict[str, Any], *, what: str, token: str | None) -> dict[str, Any]:
        params = {"access_token": token} if token else None
        try:
            response = await self._http.post(
                f"{self._base}{path}",
                params=params,
                content=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as err:
            raise WeChatApiError(-1, what) from err
        body = _json(response)
        code = int(body.get("errcode", 0) or 0)
        if response.status_code != 200 or code != 0:
            raise _error(code or -1, what)
        return body


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"errcode": -1}
    return body if isinstance(body, dict) else {"errcode": -1}
