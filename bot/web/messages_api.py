"""`GET /api/messages`: the web chat page polls it for staff replies and other messages sent outside a turn."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bot.messages import Button
from bot.web.app import error_response
from bot.web.identity import WebIdentity
from bot.web.schemas import ErrorBody
from store.outbox import SqlOutbox

SENDER_PATTERN = r"^[A-Za-z0-9_.:@-]+$"


class PushedMessage(BaseModel):
    """One message for the farmer that did not come as the answer to a turn."""

    id: int
    kind: str
    text: str
    buttons: list[Button]
    lang: str
    created_at: datetime


class MessagesResponse(BaseModel):
    """Messages after the client's cursor, and the cursor to send next time."""

    messages: list[PushedMessage]
    last_id: int


def messages_router(outbox: SqlOutbox, identity: WebIdentity) -> APIRouter:
    """The router serving `GET /api/messages` from `outbox`: browsers read their own chat (signed cookie),
    integrations with the API key name any `sender_id`."""
    router = APIRouter()

    @router.get(
        "/api/messages",
        response_model=MessagesResponse,
        responses={401: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    )
    async def messages(
        request: Request,
        sender_id: str | None = Query(default=None, min_length=1, max_length=128, pattern=SENDER_PATTERN),
        after: int = Query(default=0, ge=0),
    ) -> MessagesResponse | JSONResponse:
        """Messages for this web chat with an id above `after`, oldest first (at most 50 per call)."""
        bearer = identity.bearer(request)
        if bearer is False:
            return error_response(401, "invalid_api_key", "bad_api_key")
        if bearer:
            if sender_id is None:
                return error_response(422, "sender_id_required", "reload_page")
            chat_id = sender_id
        else:
            caller = identity.browser_caller(request, issue=False)
            if sender_id is not None or caller is None:
                # Never an id in a URL from a browser, and no cookie means no chat to read yet.
                return error_response(401, "api_key_required", "reload_page")
            chat_id = caller.chat_id
        items = await asyncio.to_thread(outbox.for_conversation, "web", chat_id, after=after)
        return MessagesResponse(
            messages=[
                PushedMessage(
                    id=i.id,
                    kind=i.kind,
                    text=i.text,
                    buttons=[Button(title=b.title, payload=b.payload) for b in i.buttons],
                    lang=i.lang,
                    created_at=i.created_at,
                )
                for i in items
            ],
            last_id=items[-1].id if items else after,
        )

    return router
