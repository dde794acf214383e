"""`GET /api/messages`: the web chat page polls it for staff replies and other messages sent outside a turn."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel

from bot.messages import Button
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


def messages_router(outbox: SqlOutbox) -> APIRouter:
    """The router serving `GET /api/messages` from `outbox`."""
    router = APIRouter()

    @router.get("/api/messages", response_model=MessagesResponse)
    async def messages(
        sender_id: str = Query(min_length=1, max_length=128, pattern=SENDER_PATTERN),
        after: int = Query(default=0, ge=0),
    ) -> MessagesResponse:
        """Messages for this web chat with an id above `after`, oldest first (at most 50 per call)."""
        items = await asyncio.to_thread(outbox.for_conversation, "web", sender_id, after=after)
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
