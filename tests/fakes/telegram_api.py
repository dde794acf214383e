"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 that python-telegram-bot can talk to.

Usage::

    server = FakeTelegramServer()
    server.start()
    app = build_telegram_application(token=server.token, api_base_url=server.base_url, ...)
    server.push_text(chat_id=42, text="小额贷款怎么申请？")
    call = await server.wait_for_sent(lambda c: c.method == "sendMessage")
    server.stop()

The server runs uvicorn in a background thread with its own event loop, so it works from sync tests and
from any pytest-asyncio loop. Updates stay queued until a `getUpdates` offset confirms them, as on Telegram.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEFAULT_TOKEN = "123456:TEST-fake-telegram-token"
BOT_USER_ID = 7_000_001
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Parameters PTB sends as plain strings; everything else arrives JSON-encoded in form bodies.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "action",
        "url",
        "secret_token",
        "parse_mode",
        "language_code",
        "description",
        "short_description",
        "name",
        "emoji",
        "inline_message_id",
        "ip_address",
    }
)


@dataclass(frozen=True)
class SentCall:
    """One Bot API call the bot made: the method name (as sent) and its decoded parameters."""

    method: str
    params: dict[str, Any]

    @property
    def chat_id(self) -> Any:
        """The `chat_id` parameter, if any."""
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """The `text` parameter, if any."""
        value = self.params.get("text")
        return value if isinstance(value, str) else None

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard rows of `reply_markup`, or [] when there is none."""
        markup = self.params.get("reply_markup")
        if not isinstance(markup, dict):
            return []
        rows = markup.get("inline_keyboard", [])
        return rows if isinstance(rows, list) else []


@dataclass
class _Failure:
    error_code: int
    description: str
    remaining: int


@dataclass
class _State:
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[SentCall] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str | None = None
    failures: dict[str, _Failure] = field(default_factory=dict)
    last_bot_message: dict[int, int] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)


def decode_params(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Decode form fields the way the Bot API does: JSON values, except fields that are plain strings."""
    params: dict[str, Any] = {}
    for key, raw in items:
        if key in _STRING_PARAMS:
            params[key] = raw
            continue
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class FakeTelegramServer:
    """A fake Bot API server with helpers to push updates and inspect what the bot sent."""

    def __init__(self, *, token: str = DEFAULT_TOKEN, bot_username: str = "nonghui_test_bot") -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": BOT_USER_ID,
            "is_bot": True,
            "first_name": "Nonghui",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._lock = threading.Lock()
        self._state = _State()
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Event] = set()
        self._closing = False

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeTelegramServer:
        """Start serving on a free port of 127.0.0.1; returns once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("FakeTelegramServer is already running")
        sock = _free_socket()
        self._port = sock.getsockname()[1]
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._dispatch, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ],
        )
        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._closing = False
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            assert self._server is not None
            try:
                loop.run_until_complete(self._server.serve(sockets=[sock]))
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-telegram-api", daemon=True)
        self._thread.start()
        ready.wait(10)
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("FakeTelegramServer did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop the server and its thread; pending long polls return empty."""
        if self._thread is None or self._server is None:
            return
        self._closing = True
        self._wake_waiters()
        self._server.should_exit = True
        self._thread.join(10)
        self._thread = None
        self._server = None
        self._loop = None

    def __enter__(self) -> FakeTelegramServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget queued updates, recorded calls, webhook settings and planned failures."""
        with self._lock:
            self._state = _State()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._port is None:
            raise RuntimeError("FakeTelegramServer is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for TELEGRAM_API_BASE_URL / `ApplicationBuilder.base_url` (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for `ApplicationBuilder.base_file_url`."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- inspection

    @property
    def sent(self) -> list[SentCall]:
        """Every call the bot made so far (a copy), oldest first."""
        with self._lock:
            return list(self._state.calls)

    def calls(self, method: str) -> list[SentCall]:
        """Calls of one Bot API method (case-insensitive), oldest first."""
        wanted = method.lower()
        return [call for call in self.sent if call.method.lower() == wanted]

    def messages(self, chat_id: int | None = None) -> list[SentCall]:
        """`sendMessage` calls, optionally only those to `chat_id`."""
        return [call for call in self.calls("sendMessage") if chat_id is None or call.chat_id == chat_id]

    @property
    def webhook_url(self) -> str:
        """The URL the bot registered with setWebhook ('' when none)."""
        with self._lock:
            return self._state.webhook_url

    @property
    def webhook_secret(self) -> str | None:
        """The secret token the bot registered with setWebhook."""
        with self._lock:
            return self._state.webhook_secret

    @property
    def pending_updates(self) -> int:
        """How many updates are queued and not yet confirmed by a getUpdates offset."""
        with self._lock:
            return len(self._state.updates)

    async def wait_for_sent(self, predicate: Callable[[SentCall], bool], timeout: float = 5.0) -> SentCall:
        """Wait (without blocking the event loop) until a recorded call satisfies `predicate`; return it."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._first_match(predicate)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"no matching Bot API call within {timeout}s; calls: {self._summary()}")
            await asyncio.sleep(0.01)

    def wait_for_sent_blocking(self, predicate: Callable[[SentCall], bool], timeout: float = 5.0) -> SentCall:
        """Like `wait_for_sent`, for synchronous code."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._first_match(predicate)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"no matching Bot API call within {timeout}s; calls: {self._summary()}")
            time.sleep(0.01)

    def fail_next(
        self, method: str, *, error_code: int = 400, description: str = "Bad Request", times: int = 1
    ) -> None:
        """Make the next `times` calls of `method` answer with a Bot API error."""
        with self._lock:
            self._state.failures[method.lower()] = _Failure(error_code, description, times)

    # ---------------------------------------------------------------- building updates

    def next_update_id(self) -> int:
        """A fresh update id."""
        return next(self._update_ids)

    def user(self, chat_id: int, *, language_code: str | None = "zh-hans") -> dict[str, Any]:
        """The farmer behind a private chat (user id == chat id, as on Telegram)."""
        user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Farmer"}
        if language_code:
            user["language_code"] = language_code
        return user

    def message_update(
        self,
        chat_id: int,
        fields: dict[str, Any],
        *,
        update_id: int | None = None,
        language_code: str | None = "zh-hans",
    ) -> dict[str, Any]:
        """An update carrying a new private message with extra `fields` (text, photo, contact…)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Farmer"},
            "from": self.user(chat_id, language_code=language_code),
            **fields,
        }
        return {
            "update_id": update_id if update_id is not None else self.next_update_id(),
            "message": message,
        }

    def text_update(self, chat_id: int, text: str, *, update_id: int | None = None, **kw: Any) -> dict[str, Any]:
        """An update with a text message."""
        return self.message_update(chat_id, {"text": text}, update_id=update_id, **kw)

    def command_update(
        self, chat_id: int, command: str, arg: str | None = None, *, update_id: int | None = None, **kw: Any
    ) -> dict[str, Any]:
        """An update with `/command [arg]` and the `bot_command` entity Telegram adds."""
        if not command.startswith("/"):
            command = f"/{command}"
        text = f"{command} {arg}" if arg else command
        entity = {"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}
        return self.message_update(chat_id, {"text": text, "entities": [entity]}, update_id=update_id, **kw)

    def callback_update(
        self, chat_id: int, data: str, message_id: int | None = None, *, update_id: int | None = None
    ) -> dict[str, Any]:
        """An update for a tap on an inline button with callback `data` under bot message `message_id`."""
        with self._lock:
            default_message = self._state.last_bot_message.get(chat_id, 1)
        return {
            "update_id": update_id if update_id is not None else self.next_update_id(),
            "callback_query": {
                "id": f"cbq-{next(self._callback_ids)}",
                "from": self.user(chat_id),
                "chat_instance": f"ci-{chat_id}",
                "data": data,
                "message": {
                    "message_id": message_id if message_id is not None else default_message,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "Farmer"},
                    "from": self.bot_user,
                    "text": "…",
                },
            },
        }

    def forwarded_update(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        caption: str | None = None,
        sender_name: str = "95xxx",
        **kw: Any,
    ) -> dict[str, Any]:
        """An update with a message forwarded from another chat (`forward_origin` of a hidden user).

        With `caption` the forwarded message is a photo with that caption, otherwise a text message.
        """
        origin = {"type": "hidden_user", "date": int(time.time()) - 600, "sender_user_name": sender_name}
        if caption is not None:
            update = self.photo_update(chat_id, caption, **kw)
        else:
            update = self.text_update(chat_id, text or "", **kw)
        update["message"]["forward_origin"] = origin
        return update

    def photo_update(self, chat_id: int, caption: str | None = None, **kw: Any) -> dict[str, Any]:
        """An update with a photo (two sizes) and an optional caption."""
        fields: dict[str, Any] = {
            "photo": [
                {"file_id": "photo-small", "file_unique_id": "ps", "width": 90, "height": 90},
                {"file_id": "photo-large", "file_unique_id": "pl", "width": 800, "height": 800},
            ]
        }
        if caption is not None:
            fields["caption"] = caption
        return self.message_update(chat_id, fields, **kw)

    def contact_update(self, chat_id: int, phone_number: str, *, own: bool = True, **kw: Any) -> dict[str, Any]:
        """An update with a shared contact (the farmer's own when `own`)."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": "Farmer"}
        if own:
            contact["user_id"] = chat_id
        return self.message_update(chat_id, {"contact": contact}, **kw)

    def sticker_update(self, chat_id: int, **kw: Any) -> dict[str, Any]:
        """An update with a sticker."""
        sticker = {
            "file_id": "sticker",
            "file_unique_id": "st",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": "👍",
        }
        return self.message_update(chat_id, {"sticker": sticker}, **kw)

    def voice_update(self, chat_id: int, *, file_id: str = "voice", duration: int = 3, **kw: Any) -> dict[str, Any]:
        """An update with a voice note (its bytes, if any, added with `add_file`)."""
        voice = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "duration": duration, "mime_type": "audio/ogg"}
        return self.message_update(chat_id, {"voice": voice}, **kw)

    def add_file(self, file_id: str, data: bytes) -> None:
        """Serve `data` for `getFile(file_id)` and its download URL."""
        with self._lock:
            self._state.files[file_id] = data

    @property
    def downloads(self) -> list[str]:
        """The file paths the bot downloaded, in order."""
        with self._lock:
            return list(self._state.downloads)

    def document_update(self, chat_id: int, **kw: Any) -> dict[str, Any]:
        """An update with a document."""
        document = {"file_id": "doc", "file_unique_id": "dc", "file_name": "form.pdf"}
        return self.message_update(chat_id, {"document": document}, **kw)

    def location_update(
        self, chat_id: int, latitude: float = 30.6, longitude: float = 104.1, **kw: Any
    ) -> dict[str, Any]:
        """An update with a shared location."""
        return self.message_update(chat_id, {"location": {"latitude": latitude, "longitude": longitude}}, **kw)

    # ---------------------------------------------------------------- queueing updates (polling)

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue one update for getUpdates (an `update_id` is added when missing); returns it."""
        return self.push_many([update])[0]

    def push_many(self, updates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Queue several updates at once, so one getUpdates answer carries them all."""
        queued = []
        for update in updates:
            if "update_id" not in update:
                update = {"update_id": self.next_update_id(), **update}
            queued.append(update)
        with self._lock:
            self._state.updates.extend(queued)
        self._wake_waiters()
        return queued

    def push_text(self, chat_id: int, text: str, update_id: int | None = None, **kw: Any) -> dict[str, Any]:
        """Queue a text message from `chat_id`."""
        return self.push_raw(self.text_update(chat_id, text, update_id=update_id, **kw))

    def push_command(self, chat_id: int, command: str, arg: str | None = None, **kw: Any) -> dict[str, Any]:
        """Queue `/command [arg]` from `chat_id`."""
        return self.push_raw(self.command_update(chat_id, command, arg, **kw))

    def push_callback(self, chat_id: int, data: str, message_id: int | None = None) -> dict[str, Any]:
        """Queue a button tap with callback `data`."""
        return self.push_raw(self.callback_update(chat_id, data, message_id))

    def push_forwarded(self, chat_id: int, text: str | None = None, **kw: Any) -> dict[str, Any]:
        """Queue a message forwarded from another chat (text, or a photo with `caption=`)."""
        return self.push_raw(self.forwarded_update(chat_id, text, **kw))

    def push_photo(self, chat_id: int, caption: str | None = None, **kw: Any) -> dict[str, Any]:
        """Queue a photo (with optional caption)."""
        return self.push_raw(self.photo_update(chat_id, caption, **kw))

    def push_contact(self, chat_id: int, phone_number: str, *, own: bool = True) -> dict[str, Any]:
        """Queue a shared contact."""
        return self.push_raw(self.contact_update(chat_id, phone_number, own=own))

    def push_sticker(self, chat_id: int) -> dict[str, Any]:
        """Queue a sticker."""
        return self.push_raw(self.sticker_update(chat_id))

    # ---------------------------------------------------------------- webhook mode

    async def post_to_webhook(
        self,
        update: dict[str, Any],
        *,
        url: str | None = None,
        secret: str | None = None,
        send_secret: bool = True,
    ) -> int:
        """POST `update` to the bot's webhook as Telegram would; returns the HTTP status.

        Defaults: the URL and secret the bot registered with setWebhook. `send_secret=False` omits the header.
        """
        target = url or self.webhook_url
        if not target:
            raise RuntimeError("the bot has not registered a webhook URL")
        headers = {"Content-Type": "application/json"}
        token = secret if secret is not None else self.webhook_secret
        if send_secret and token is not None:
            headers[SECRET_HEADER] = token
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(target, content=json.dumps(update).encode("utf-8"), headers=headers)
        return response.status_code

    # ---------------------------------------------------------------- server side

    def _first_match(self, predicate: Callable[[SentCall], bool]) -> SentCall | None:
        with self._lock:
            calls = list(self._state.calls)
        return next((call for call in calls if predicate(call)), None)

    def _summary(self) -> str:
        return ", ".join(f"{call.method}({call.params.get('text', '')!r:.40})" for call in self.sent) or "none"

    def _wake_waiters(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def wake() -> None:
            for event in list(self._waiters):
                event.set()

        try:
            loop.call_soon_threadsafe(wake)
        except RuntimeError:
            # The loop closed between the check and the call: nobody is waiting any more.
            return

    async def _read_params(self, request: Request) -> dict[str, Any]:
        params = decode_params(request.query_params.multi_items())
        body = await request.body()
        if not body:
            return params
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            decoded = json.loads(body)
            if isinstance(decoded, dict):
                params.update(decoded)
        elif content_type.startswith("application/x-www-form-urlencoded"):
            params.update(decode_params(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
        else:
            params["_raw_body"] = body
        return params

    async def _dispatch(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        method: str = request.path_params["method"]
        params = await self._read_params(request)
        name = method.lower()
        if name != "getupdates":
            with self._lock:
                self._state.calls.append(SentCall(method, params))
                failure = self._state.failures.get(name)
                if failure is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        del self._state.failures[name]
            if failure is not None:
                body = {"ok": False, "error_code": failure.error_code, "description": failure.description}
                return JSONResponse(body, status_code=failure.error_code)
        handler = getattr(self, f"_api_{name}", None)
        result = await handler(params) if handler is not None else True
        return JSONResponse({"ok": True, "result": result})

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path: str = request.path_params["path"]
        with self._lock:
            data = self._state.files.get(path.removeprefix("voice/"))
            self._state.downloads.append(path)
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type="application/octet-stream")

    async def _api_getfile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        with self._lock:
            data = self._state.files.get(file_id)
        result: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        if data is not None:
            result.update(file_size=len(data), file_path=f"voice/{file_id}")
        return result

    async def _api_getme(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _api_deletewebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self._state.webhook_url = ""
            self._state.webhook_secret = None
            if params.get("drop_pending_updates"):
                self._state.updates.clear()
        return True

    async def _api_setwebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self._state.webhook_url = str(params.get("url", ""))
            secret = params.get("secret_token")
            self._state.webhook_secret = str(secret) if secret is not None else None
            if params.get("drop_pending_updates"):
                self._state.updates.clear()
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        with self._lock:
            return {
                "url": self._state.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._state.updates),
            }

    async def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        return []

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        event = asyncio.Event()
        self._waiters.add(event)
        try:
            while True:
                event.clear()
                with self._lock:
                    if offset:
                        self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
                    batch = list(self._state.updates[:limit])
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._closing:
                    return batch
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    continue
        finally:
            self._waiters.discard(event)

    def _bot_message(self, chat_id: Any, extra: dict[str, Any]) -> dict[str, Any]:
        message_id = next(self._message_ids)
        if isinstance(chat_id, int):
            with self._lock:
                self._state.last_bot_message[chat_id] = message_id
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Farmer"},
            "from": self.bot_user,
            **extra,
        }

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        extra: dict[str, Any] = {"text": params.get("text", "")}
        markup = params.get("reply_markup")
        # Like Telegram, the sent message carries only an inline keyboard (reply keyboards are not echoed).
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            extra["reply_markup"] = markup
        return self._bot_message(params.get("chat_id"), extra)

    async def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        message = self._bot_message(params.get("chat_id"), {"text": params.get("text", "")})
        message["message_id"] = params.get("message_id", message["message_id"])
        message["edit_date"] = int(time.time())
        return message
