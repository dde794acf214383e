"""Request and response bodies of the web chat API (documented in bot/web/API.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.messages import BotReply, IntentInfo, ScamInfo
from core.lang import Lang

MAX_TEXT_CHARS = 10_000


class ChatRequest(BaseModel):
    """One farmer turn sent by the chat page (or any API client)."""

    model_config = ConfigDict(extra="ignore")

    sender_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_.:@-]+$",
        description="Stable id of this chat, chosen by the client (letters, digits and _ . : @ -).",
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
    """Body of 413 and 500 responses."""

    error: str = Field(description="Stable machine-readable code, e.g. `text_too_long`, `internal_error`.")
    message: ErrorMessage
