"""The bot's web app (error handling, health check) and the web channel's chat page and `POST /api/chat`."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.arrivals import START_PAYLOAD
from bot.dialogue import DialogueEngine
from bot.form_guard import CLIENT_MESSAGE_ID
from bot.messages import UserTurn
from bot.privacy import mask_personal_data
from bot.texts import TextKey, text
from bot.web.schemas import MAX_TEXT_CHARS, ChatRequest, ChatResponse, ErrorBody, ErrorMessage
from core.channels import sender_id

logger = logging.getLogger(__name__)

CHANNEL = "web"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Bodies far above what a 10,000-character message needs are refused before they are read.
MAX_BODY_BYTES = 256 * 1024
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def create_app(extensions: Sequence[Callable[[FastAPI], None]] = ()) -> FastAPI:
    """The bot's web app: error handling and `GET /healthz`; each of `extensions` then adds its routes
    (the channels' routes, the staff console)."""
    app = FastAPI(
        title="Nonghui web chat",
        summary="Bilingual chatbot on loans, farm insurance and scams for farmers.",
        version="1",
    )
    app.add_middleware(CatchAllErrors)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Report that the web process is up (it does not probe Rasa)."""
        return {"status": "ok"}

    for extend in extensions:
        extend(app)
    return app


def mount_chat(app: FastAPI, conversation: DialogueEngine) -> None:
    """Add the web chat to `app`: the page, its static files and `POST /api/chat` answered by `conversation`."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def chat_page() -> FileResponse:
        """Serve the chat page."""
        return FileResponse(STATIC_DIR / "index.html", headers=_PAGE_HEADERS)

    @app.post(
        "/api/chat",
        response_model=ChatResponse,
        responses={413: {"model": ErrorBody}, 500: {"model": ErrorBody}},
    )
    async def chat(request: ChatRequest) -> ChatResponse | JSONResponse:
        """Send one farmer turn to the bot and return its replies."""
        if len(request.text) > MAX_TEXT_CHARS:
            return error_response(413, "text_too_long", "text_too_long", max_chars=MAX_TEXT_CHARS)
        metadata: dict[str, object] = {}
        if request.start_payload:
            metadata[START_PAYLOAD] = request.start_payload
        if request.message_id:
            metadata[CLIENT_MESSAGE_ID] = request.message_id
        turn = UserTurn(
            sender_id=sender_id(CHANNEL, request.sender_id),
            text=request.text,
            channel=CHANNEL,
            lang=request.lang,
            metadata=metadata,
        )
        result = await conversation.handle(turn)
        return ChatResponse(replies=result.replies, intent=result.intent, lang=result.lang, scam=result.scam)


def create_web_app(conversation: DialogueEngine, extensions: Sequence[Callable[[FastAPI], None]] = ()) -> FastAPI:
    """The web app with only the web chat answered by `conversation`, then `extensions` (tests, tools)."""
    return create_app([lambda app: mount_chat(app, conversation), *extensions])


def error_response(status: int, code: str, key: TextKey, **values: object) -> JSONResponse:
    """Return a JSON error with a stable code and a farmer-facing message in both languages."""
    body = ErrorBody(
        error=code,
        message=ErrorMessage(zh=text(key, "zh", **values), en=text(key, "en", **values)),
    )
    return JSONResponse(status_code=status, content=body.model_dump())


class CatchAllErrors:
    """ASGI middleware: oversized bodies get 413, unexpected errors a logged, polite JSON 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, answering 413 or 500 instead of an HTML error or a dropped connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > MAX_BODY_BYTES:
            response = error_response(413, "text_too_long", "text_too_long", max_chars=MAX_TEXT_CHARS)
            await response(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            # The traceback can quote the farmer's text (e.g. in a validation message), so it is masked.
            details = mask_personal_data("".join(traceback.format_exception(exc)))
            logger.error("unhandled error on %s %s\n%s", scope.get("method"), scope.get("path"), details)
            if started:
                raise
            response = error_response(500, "internal_error", "internal_error")
            await response(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    """Return the request's Content-Length, or 0 when absent or invalid."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
