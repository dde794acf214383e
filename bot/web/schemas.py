"""Request and response bodies of the web chat API (documented in bot/web/API.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.messages import BotReply, IntentInfo, ScamInfo
from core.lang import Lang

MAX_TEXT_CHARS = 10_000
# A 60-second recording (WebM/Opus, AMR, OGG) is well under this; larger bodies are refused with 413 unread.
MAX_VOICE_BYTES = 2 * 1024 * 1024
SENDER_ID_PATTERN = r"^[A-Za-z0-9_.:@-]+$"


class ChatRequest(BaseModel):
    """One farmer turn sent by the chat page (or any API client)."""

    model_config = ConfigDict(extra="ignore")

    sender_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        pattern=SENDER_ID_PATTERN,
        description="Stable id of this chat (letters, digits and _ . : @ -), only with the API key "
        "(`Authorization: Bearer …`); browsers leave it out and are known by their signed chat cookie.",
    )
    text: str = Field(
        description=f"What the farmer typed or a button payload; more than {MAX_TEXT_CHARS} characters "
        "is refused with 413, more than the bot's reading limit is cut with a note."
    )
    lang: Lang | None = Field(default=None, description="The farmer's explicit language choice, if any.")
    start_payload: str | None = Field(
        default=None, max_length=256, description="Deep-link payload from the page's `?start=` parameter."
    )
    message_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Optional id the client gives this message; sent again (a retry after a lost answer), the "
        "bot returns the first answer and does not apply the message twice.",
    )


class ChatResponse(BaseModel):
    """Everything the bot answers to one turn."""

    replies: list[BotReply]
    intent: IntentInfo | None
    lang: Lang
    scam: ScamInfo | None = Field(
        default=None,
        description="Scam-risk score of the farmer's text; null when it was not scored (button payload, "
        "empty text, scorer unavailable).",
    )


class ErrorMessage(BaseModel):
    """A farmer-facing error text in both languages."""

    zh: str
    en: str


class ErrorBody(BaseModel):
    """Body of 401, 413, 429 and 500 responses."""

    error: str = Field(
        description="Stable machine-readable code, e.g. `text_too_long`, `too_many_requests`, `api_key_required`, "
        "`internal_error`."
    )
    message: ErrorMessage
