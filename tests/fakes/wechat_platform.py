"""A fake WeChat platform: a real HTTP server on 127.0.0.1 for the Official Account API, and a pusher that signs
(in safe mode encrypts) pushes to the bot, enforces the 5-second deadline and retries twice like WeChat.

Usage::

    with FakeWeChat(mode="safe") as wechat:
        settings = BotSettings(wechat_api_base_url=wechat.base_url, **wechat.bot_settings())
        push = await wechat.send_text(push_url, "farmer-1", "小额贷款怎么申请？")
        push.passive            # the passive reply's text, or None when the bot answered `success`
        wechat.sent("farmer-1") # customer-service messages the bot sent

The API part (stable_token, customer-service send with quota and window, media download, QR codes, menu) runs
under uvicorn in a background thread; the control API (`GET /control/sent`, `/control/calls`) shows what the bot
sent. Pushes go out from the caller's event loop with httpx.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import socket
import string
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from wechatpy.crypto import WeChatCrypto

from bot.wechat.security import wechat_signature

APP_ID = "wx0123456789abcdef"
APP_SECRET = "fake-app-secret-not-real"
TOKEN = "fakepushtoken123"
ACCOUNT = "gh_nonghui_fake"
AMR_HEADER = b"#!AMR\n"
QUOTA_EXCEEDED, WINDOW_CLOSED, INVALID_TOKEN = 45047, 45015, 40001


def new_aes_key() -> str:
    """A random 43-character EncodingAESKey, as the platform generates."""
    return base64.b64encode(os.urandom(32)).decode("ascii").rstrip("=")


@dataclass
class Screen:
    """One farmer's chat screen: what they sent and what reached them (`passive` or `cs`)."""

    lines: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class PushResult:
    """How one push went: attempts made, the passive reply text (None for `success`), seconds until answered."""

    attempts: int
    passive: str | None
    seconds: float
    statuses: tuple[int | str, ...]


class FakeWeChat:
    """The fake platform: API server, push sender, farmers' screens."""

    def __init__(
        self,
        *,
        mode: str = "plain",
        deadline: float = 5.0,
        retries: int = 2,
        quota: int = 20,
        window_hours: float = 48.0,
        token_lifetime: int = 7200,
    ) -> None:
        self.mode = mode
        self.deadline = deadline
        self.retries = retries
        self.quota = quota
        self.window_hours = window_hours
        self.token_lifetime = token_lifetime
        self.aes_key = new_aes_key()
        self._crypto = WeChatCrypto(TOKEN, self.aes_key, APP_ID)
        self._lock = threading.Lock()
        self._msg_ids = itertools.count(24_000_000_000_000_001)
        self._tokens = itertools.count(1)
        self._valid_tokens: set[str] = set()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._sent: list[tuple[str, str]] = []
        self._used: dict[str, int] = {}
        self._last_in: dict[str, float] = {}
        self.screens: dict[str, Screen] = {}
        self.media: dict[str, bytes] = {}
        self.menus: list[dict[str, Any]] = []
        self.qr_codes: list[dict[str, Any]] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeWeChat:
        """Serve the API on a free port of 127.0.0.1; returns once it accepts connections."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        app = Starlette(
            routes=[
                Route("/cgi-bin/stable_token", self._stable_token, methods=["POST"]),
                Route("/cgi-bin/message/custom/send", self._custom_send, methods=["POST"]),
                Route("/cgi-bin/media/get", self._media_get, methods=["GET"]),
                Route("/cgi-bin/qrcode/create", self._qrcode_create, methods=["POST"]),
                Route("/cgi-bin/menu/create", self._menu_create, methods=["POST"]),
                Route("/control/sent", self._control_sent, methods=["GET"]),
                Route("/control/calls", self._control_calls, methods=["GET"]),
            ]
        )
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        server = self._server

        def run() -> None:
            asyncio.run(server.serve(sockets=[sock]))

        self._thread = threading.Thread(target=run, name="fake-wechat", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("FakeWeChat did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop the API server."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> FakeWeChat:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The API base URL the bot is configured with."""
        return f"http://127.0.0.1:{self._port}"

    def bot_settings(self) -> dict[str, Any]:
        """BotSettings keyword arguments that point the WeChat channel at this platform."""
        return {
            "wechat_app_id": APP_ID,
            "wechat_app_secret": APP_SECRET,
            "wechat_token": TOKEN,
            "wechat_encoding_aes_key": self.aes_key,
            "wechat_mode": self.mode,
            "wechat_api_base_url": self.base_url,
            "wechat_cs_quota": self.quota,
            "wechat_window_hours": self.window_hours,
        }

    # ---------------------------------------------------------------- control

    def sent(self, openid: str | None = None) -> list[str]:
        """Customer-service texts the bot sent (to one farmer, or all), in order."""
        with self._lock:
            return [text for who, text in self._sent if openid is None or who == openid]

    def count(self, path: str) -> int:
        """How many API calls were made to `path` (e.g. "/cgi-bin/stable_token")."""
        with self._lock:
            return sum(1 for called, _ in self.calls if called == path)

    def farmer_wrote(self, openid: str) -> None:
        """Open the farmer's 48-hour window and reset their quota, as a message from them does."""
        with self._lock:
            self._last_in[openid] = time.time()
            self._used[openid] = 0

    def close_window(self, openid: str) -> None:
        """Age the farmer's last message past the 48-hour window."""
        with self._lock:
            self._last_in[openid] = time.time() - self.window_hours * 3600 - 60

    def revoke_tokens(self) -> None:
        """Invalidate every access token issued so far (the next API call gets 40001)."""
        with self._lock:
            self._valid_tokens.clear()

    def add_voice(self, media_id: str, seconds: float = 1.0) -> bytes:
        """Serve an AMR file under `media_id` (header and silent frames) and return its bytes."""
        frames = int(seconds * 50)
        audio = AMR_HEADER + bytes([0x3C] + [0] * 31) * frames
        self.media[media_id] = audio
        return audio

    def screen(self, openid: str) -> list[tuple[str, str]]:
        """The farmer's chat as seen on the phone: ("farmer"|"bot", text) in order."""
        with self._lock:
            return list(self.screens.setdefault(openid, Screen()).lines)

    # ---------------------------------------------------------------- pushes

    def _xml(self, openid: str, msg_type: str, fields: dict[str, Any], *, create_time: int | None) -> str:
        body = "".join(
            f"<{key}>{value}</{key}>" if isinstance(value, int) else f"<{key}><![CDATA[{value}]]></{key}>"
            for key, value in fields.items()
        )
        when = create_time if create_time is not None else int(time.time())
        return (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{when}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}</xml>"
        )

    def sign(self, xml: str, *, forged: bool = False) -> tuple[dict[str, str], str]:
        """(query, body) of a push as WeChat sends it in this mode."""
        timestamp, nonce = str(int(time.time())), "".join(string.ascii_lowercase[b % 26] for b in os.urandom(10))
        query = {"timestamp": timestamp, "nonce": nonce, "signature": wechat_signature(TOKEN, timestamp, nonce)}
        if forged:
            query["signature"] = wechat_signature("not-the-token", timestamp, nonce)
        if self.mode != "safe":
            return query, xml
        sealed = self._crypto.encrypt_message(xml, nonce, timestamp)
        encrypted = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        query.update(encrypt_type="aes", msg_signature=wechat_signature(TOKEN, timestamp, nonce, encrypted))
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        return query, body

    def open_reply(self, query: dict[str, str], body: str) -> str | None:
        """The text content of a passive reply (decrypted and its signature checked in safe mode); None for
        `success` or an empty body."""
        if body.strip() in ("", "success"):
            return None
        xml = body
        if self.mode == "safe":
            from wechatpy.utils import to_text

            parts = {k: body.split(f"<{k}>")[1].split(f"</{k}>")[0] for k in ("MsgSignature", "TimeStamp", "Nonce")}
            signature = parts["MsgSignature"].removeprefix("<![CDATA[").removesuffix("]]>")
            timestamp = parts["TimeStamp"]
            nonce = parts["Nonce"].removeprefix("<![CDATA[").removesuffix("]]>")
            xml = to_text(self._crypto.decrypt_message(body, signature, timestamp, nonce))
        from wechatpy import parse_message

        reply = parse_message(xml)
        if reply is None or str(reply.source) != ACCOUNT:
            raise AssertionError(f"passive reply not addressed from the account: {xml!r}")
        return str(reply.content)

    async def push(
        self,
        urls: str | Sequence[str],
        openid: str,
        msg_type: str,
        fields: dict[str, Any],
        *,
        with_msg_id: bool = True,
        forged: bool = False,
        create_time: int | None = None,
        farmer_sees: str | None = None,
    ) -> PushResult:
        """Push one message or event to the bot: up to 1 + `retries` attempts (round robin over `urls`), each
        given `deadline` seconds; the first 200 answer counts, as on WeChat."""
        targets = [urls] if isinstance(urls, str) else list(urls)
        if with_msg_id:
            fields = {**fields, "MsgId": next(self._msg_ids)}
        xml = self._xml(openid, msg_type, fields, create_time=create_time)
        with self._lock:
            self._last_in[openid] = time.time()
            self._used[openid] = 0
            if farmer_sees is not None:
                self.screens.setdefault(openid, Screen()).lines.append(("farmer", farmer_sees))
        statuses: list[int | str] = []
        async with httpx.AsyncClient(verify=False, trust_env=False) as http:  # plain HTTP on loopback
            started = time.monotonic()  # WeChat's clock starts when it sends the push
            for attempt in range(1 + self.retries):
                query, body = self.sign(xml, forged=forged)
                url = targets[attempt % len(targets)]
                try:  # the deadline covers the whole exchange, as WeChat's 5 seconds do
                    response = await asyncio.wait_for(
                        http.post(url, params=query, content=body.encode("utf-8"), timeout=self.deadline),
                        self.deadline,
                    )
                except (httpx.TimeoutException, TimeoutError):
                    statuses.append("timeout")
                    continue
                statuses.append(response.status_code)
                if response.status_code != 200:
                    continue
                passive = self.open_reply(query, response.text)
                if passive is not None:
                    with self._lock:
                        self.screens.setdefault(openid, Screen()).lines.append(("bot", passive))
                return PushResult(attempt + 1, passive, time.monotonic() - started, tuple(statuses))
        return PushResult(1 + self.retries, None, time.monotonic() - started, tuple(statuses))

    async def send_text(self, url: str | Sequence[str], openid: str, text: str, **kw: Any) -> PushResult:
        """The farmer types `text`."""
        return await self.push(url, openid, "text", {"Content": text}, farmer_sees=text, **kw)

    async def tap_link(self, url: str | Sequence[str], openid: str, title: str, menu_id: str) -> PushResult:
        """The farmer taps a `weixin://bizmsgmenu` link: its content is sent with `bizmsgmenuid`."""
        fields = {"Content": title, "bizmsgmenuid": str(menu_id)}
        return await self.push(url, openid, "text", fields, farmer_sees=title)

    async def event(
        self,
        url: str | Sequence[str],
        openid: str,
        event: str,
        key: str | None = None,
        *,
        create_time: int | None = None,
    ) -> PushResult:
        """An event push (subscribe, SCAN, CLICK, unsubscribe); de-duplicated by sender + CreateTime, so two
        events of one farmer within a second need distinct `create_time`s."""
        fields: dict[str, Any] = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        return await self.push(
            url,
            openid,
            "event",
            fields,
            with_msg_id=False,
            farmer_sees=f"[{event} {key or ''}]",
            create_time=create_time,
        )

    async def send_voice(self, url: str | Sequence[str], openid: str, media_id: str) -> PushResult:
        """A voice note (AMR) whose media the API serves."""
        fields = {"MediaId": media_id, "Format": "amr"}
        return await self.push(url, openid, "voice", fields, farmer_sees="[voice]")

    async def send_image(self, url: str | Sequence[str], openid: str, media_id: str) -> PushResult:
        """A photo."""
        fields = {"PicUrl": f"http://127.0.0.1/{media_id}.jpg", "MediaId": media_id}
        return await self.push(url, openid, "image", fields, farmer_sees="[photo]")

    async def send_location(self, url: str | Sequence[str], openid: str, label: str) -> PushResult:
        """A location message with its address label."""
        fields = {"Location_X": "29.1", "Location_Y": "119.6", "Scale": 15, "Label": label}
        return await self.push(url, openid, "location", fields, farmer_sees=f"[location {label}]")

    # ---------------------------------------------------------------- API

    def _token_ok(self, request: Request) -> bool:
        return request.query_params.get("access_token", "") in self._valid_tokens

    async def _stable_token(self, request: Request) -> Response:
        body = await request.json()
        with self._lock:
            self.calls.append(("/cgi-bin/stable_token", {"appid": body.get("appid")}))
            if body.get("appid") != APP_ID or body.get("secret") != APP_SECRET:
                return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
            token = f"ACCESS_TOKEN_{next(self._tokens)}"
            self._valid_tokens.add(token)
        return JSONResponse({"access_token": token, "expires_in": self.token_lifetime})

    async def _custom_send(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw.decode("utf-8"))
        with self._lock:
            self.calls.append(("/cgi-bin/message/custom/send", body))
            if not self._token_ok(request):
                return JSONResponse({"errcode": INVALID_TOKEN, "errmsg": "invalid credential"})
            openid = body.get("touser", "")
            last = self._last_in.get(openid)
            if last is None or time.time() - last > self.window_hours * 3600:
                return JSONResponse({"errcode": WINDOW_CLOSED, "errmsg": "response out of time limit"})
            if self._used.get(openid, 0) >= self.quota:
                return JSONResponse({"errcode": QUOTA_EXCEEDED, "errmsg": "out of response count limit"})
            text = body.get("text", {}).get("content", "")
            if len(text.encode("utf-8")) > 2048:
                return JSONResponse({"errcode": 45002, "errmsg": "content size out of limit"})
            self._used[openid] = self._used.get(openid, 0) + 1
            self._sent.append((openid, text))
            self.screens.setdefault(openid, Screen()).lines.append(("bot", text))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def _media_get(self, request: Request) -> Response:
        media_id = request.query_params.get("media_id", "")
        with self._lock:
            self.calls.append(("/cgi-bin/media/get", {"media_id": media_id}))
            if not self._token_ok(request):
                return JSONResponse({"errcode": INVALID_TOKEN, "errmsg": "invalid credential"})
            audio = self.media.get(media_id)
        if audio is None:
            return JSONResponse({"errcode": 40007, "errmsg": "invalid media_id"})
        return Response(audio, media_type="audio/amr")

    async def _qrcode_create(self, request: Request) -> Response:
        body = json.loads((await request.body()).decode("utf-8"))
        with self._lock:
            self.calls.append(("/cgi-bin/qrcode/create", body))
            if not self._token_ok(request):
                return JSONResponse({"errcode": INVALID_TOKEN, "errmsg": "invalid credential"})
            self.qr_codes.append(body)
            number = len(self.qr_codes)
        answer: dict[str, Any] = {"ticket": f"gQTICKET{number}", "url": f"http://weixin.qq.com/q/fake{number:04d}"}
        if body.get("action_name") == "QR_STR_SCENE":
            answer["expire_seconds"] = body.get("expire_seconds", 2592000)
        return JSONResponse(answer)

    async def _menu_create(self, request: Request) -> Response:
        body = json.loads((await request.body()).decode("utf-8"))
        with self._lock:
            self.calls.append(("/cgi-bin/menu/create", body))
            if not self._token_ok(request):
                return JSONResponse({"errcode": INVALID_TOKEN, "errmsg": "invalid credential"})
            self.menus.append(body)
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def _control_sent(self, request: Request) -> Response:
        openid = request.query_params.get("openid")
        return JSONResponse({"sent": self.sent(openid)})

    async def _control_calls(self, request: Request) -> Response:
        with self._lock:
            return JSONResponse({"calls": [path for path, _ in self.calls]})
