"""The bot's web app (error handling, health check) and the web channel's chat page and `POST /api/chat`."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.arrivals import START_PAYLOAD
from bot.dialogue import DialogueEngine
from bot.form_guard import CLIENT_MESSAGE_ID
from bot.limits import Decision, MemoryRateLimiter, RateLimiter, Rule, first_refusal
from bot.messages import UserTurn
from bot.privacy import mask_personal_data
from bot.texts import TextKey, text
from bot.web.identity import Caller, WebIdentity
from bot.web.schemas import MAX_TEXT_CHARS, MAX_VOICE_BYTES, ChatRequest, ChatResponse, ErrorBody, ErrorMessage
from core.channels import sender_id

logger = logging.getLogger(__name__)

CHANNEL = "web"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Bodies far above what a 10,000-character message needs are refused before they are read; recordings
# (`POST /api/voice`) may be larger.
MAX_BODY_BYTES = 256 * 1024
VOICE_PATH = "/api/voice"
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True)
class ChatLimits:
    """Rate limits of `POST /api/chat` for browsers (trusted integrations with the API key are not limited)."""

    per_ip: Rule = field(default_factory=lambda: Rule(limit=60, window_seconds=60))
    per_chat: Rule = field(default_factory=lambda: Rule(limit=20, window_seconds=60))


def create_app(
    extensions: Sequence[Callable[[FastAPI], None]] = (),
    *,
    production: bool = False,
    ready: Callable[[], bool] = lambda: True,
) -> FastAPI:
    """The bot's web app: error handling, `GET /healthz` (the process is up) and `GET /readyz` (`ready()`: what
    it loads at start is loaded); each of `extensions` then adds its routes (the channels' routes, the staff
    console). In production the interactive `/docs` and `/redoc` are off."""
    app = FastAPI(
        title="Nonghui web chat",
        summary="Bilingual chatbot on loans, farm insurance and scams for farmers.",
        version="1",
        docs_url=None if production else "/docs",
        redoc_url=None if production else "/redoc",
    )
    app.add_middleware(CatchAllErrors)
    app.add_exception_handler(RequestValidationError, validation_error)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Report that the web process is up (it does not probe Rasa)."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=None)
    async def readyz() -> dict[str, str] | JSONResponse:
        """200 once the process has loaded what it loads at start (the scam detector), else 503: wait for this
        before sending farmers' turns (supervisor, load balancers, test harnesses)."""
        if ready():
            return {"status": "ready"}
        return JSONResponse({"status": "warming up"}, status_code=503)

    for extend in extensions:
        extend(app)
    return app


def mount_chat(
    app: FastAPI,
    conversation: DialogueEngine,
    identity: WebIdentity,
    *,
    limiter: RateLimiter | None = None,
    limits: ChatLimits | None = None,
) -> None:
    """Add the web chat to `app`: the page, its static files and `POST /api/chat` answered by `conversation`.

    Browsers are known by the signed chat id `identity` issues in a cookie; integrations with the API key name
    any `sender_id`. Browser turns are rate-limited per IP and per chat through `limiter`."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    limiter = limiter or MemoryRateLimiter()
    limits = limits or ChatLimits()

    @app.get("/", include_in_schema=False)
    async def chat_page(request: Request) -> FileResponse:
        """Serve the chat page; a browser without a valid chat cookie gets a new signed chat id."""
        response = FileResponse(STATIC_DIR / "index.html", headers=_PAGE_HEADERS)
        caller = identity.browser_caller(request, issue=True)
        if caller is not None and caller.new_cookie:
            identity.set_cookie(response, caller.new_cookie)
        return response

    @app.post(
        "/api/chat",
        response_model=ChatResponse,
        responses={
            401: {"model": ErrorBody},
            413: {"model": ErrorBody},
            422: {"model": ErrorBody},
            429: {"model": ErrorBody},
            500: {"model": ErrorBody},
        },
    )
    async def chat(body: ChatRequest, request: Request) -> ChatResponse | JSONResponse:
        """Send one farmer turn to the bot and return its replies."""
        caller = resolve_chat_caller(identity, request, body.sender_id)
        if isinstance(caller, JSONResponse):
            return caller
        ip = client_ip(request) if not caller.trusted else None
        if ip is not None:
            decision = first_refusal(
                limiter, [(f"chat-ip:{ip}", limits.per_ip), (f"chat-conv:{caller.chat_id}", limits.per_chat)]
            )
            if not decision.allowed:
                return too_many_requests(decision)
        if len(body.text) > MAX_TEXT_CHARS:
            return error_response(413, "text_too_long", "text_too_long", max_chars=MAX_TEXT_CHARS)
        metadata: dict[str, object] = {}
        if body.start_payload:
            metadata[START_PAYLOAD] = body.start_payload
        if body.message_id:
            metadata[CLIENT_MESSAGE_ID] = body.message_id
        turn = UserTurn(
            sender_id=sender_id(CHANNEL, caller.chat_id),
            text=body.text,
            channel=CHANNEL,
            lang=body.lang,
            metadata=metadata,
            client_ip=ip,
        )
        result = await conversation.handle(turn)
        answer = ChatResponse(replies=result.replies, intent=result.intent, lang=result.lang, scam=result.scam)
        if caller.new_cookie is None:
            return answer
        response = JSONResponse(answer.model_dump(mode="json"))
        identity.set_cookie(response, caller.new_cookie)
        return response


def client_ip(request: Request) -> str:
    """The address a browser request came from ("unknown" when the server cannot tell), for per-IP limits."""
    return request.client.host if request.client else "unknown"


def resolve_chat_caller(identity: WebIdentity, request: Request, claimed: str | None) -> Caller | JSONResponse:
    """Who a chat request speaks for, or the error answer: 401 for a wrong key or a browser naming its own id,
    422 for a trusted call without `sender_id`."""
    bearer = identity.bearer(request)
    if bearer is False:
        return error_response(401, "invalid_api_key", "bad_api_key")
    if bearer:
        if not claimed:
            return error_response(422, "sender_id_required", "reload_page")
        return Caller(chat_id=claimed, trusted=True)
    if claimed is not None:
        # A browser may not choose whose conversation it joins: ids come from the signed cookie only.
        return error_response(401, "api_key_required", "reload_page")
    caller = identity.browser_caller(request, issue=True)
    assert caller is not None  # issue=True always yields a caller
    return caller


def too_many_requests(decision: Decision) -> JSONResponse:
    """429 with `Retry-After` and the polite farmer-facing text."""
    seconds = decision.retry_after_seconds
    response = error_response(429, "too_many_requests", "too_many_requests", seconds=seconds)
    response.headers["Retry-After"] = str(seconds)
    return response


def create_web_app(
    conversation: DialogueEngine,
    extensions: Sequence[Callable[[FastAPI], None]] = (),
    *,
    identity: WebIdentity | None = None,
    limiter: RateLimiter | None = None,
    limits: ChatLimits | None = None,
) -> FastAPI:
    """The web app with only the web chat answered by `conversation`, then `extensions` (tests, tools);
    without `identity` a random signing key and no API key."""
    ident = identity or WebIdentity.ephemeral()
    return create_app([lambda app: mount_chat(app, conversation, ident, limiter=limiter, limits=limits), *extensions])


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with where and why for each problem (`loc`, `msg`, `type`), never echoing what was sent: the input
    may be personal, and bytes that are not UTF-8 cannot be echoed at all."""
    problems = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "loc": [part if isinstance(part, (str, int)) else str(part) for part in problem.get("loc", ())],
            "msg": str(problem.get("msg", "")),
            "type": str(problem.get("type", "")),
        }
        for problem in problems
    ]
    return JSONResponse(status_code=422, content={"detail": detail})


def error_response(status: int, code: str, key: TextKey, **values: object) -> JSONResponse:
    """Return a JSON error with a stable code and a farmer-facing message in both languages."""
    body = ErrorBody(
        error=code,
        message=ErrorMessage(zh=text(key, "zh", **values), en=text(key, "en", **values)),
    )
    return JSONResponse(status_code=status, content=body.model_dump())


class CatchAllErrors:
    """ASGI middleware: bodies over `MAX_BODY_BYTES` get 413 (counted on the bytes received, whether declared or
    chunked), unexpected errors a logged, polite JSON 500."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, answering 413 or 500 instead of an HTML error or a dropped connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") == VOICE_PATH:  # a recording may be larger than any text turn
            limit, too_large = MAX_VOICE_BYTES, error_response(413, "audio_too_large", "audio_too_large")
        else:
            limit = self.max_body_bytes
            too_large = error_response(413, "text_too_long", "text_too_long", max_chars=MAX_TEXT_CHARS)
        if _declared_length(scope) > limit:
            await too_large(scope, receive, send)
            return
        body = await _read_body(receive, limit)
        if body is None:
            await too_large(scope, receive, send)
            return
        started = False
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, replay, tracking_send)
        except Exception as exc:
            # The traceback can quote the farmer's text (e.g. in a validation message), so it is masked.
            details = mask_personal_data("".join(traceback.format_exception(exc)))
            logger.error("unhandled error on %s %s\n%s", scope.get("method"), scope.get("path"), details)
            if started:
                raise
            response = error_response(500, "internal_error", "internal_error")
            await response(scope, receive, send)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as more than `limit` bytes arrived (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the app sees an empty body
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _declared_length(scope: Scope) -> int:
    """Return the request's Content-Length, or 0 when absent or invalid."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
