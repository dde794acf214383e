"""Queue, conversation view, reply, close and assign: the hand-off pages of the console (and their JSON)."""

# No `from __future__ import annotations`: FastAPI must evaluate the `Depends(console...)` annotations.
import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.handoff.gate import rating_request, staff_message
from bot.privacy import mask_personal_data
from bot.staff.auth import StaffContext
from core.channels import stored_names
from core.clock import utcnow
from store.db import as_utc
from store.handoff_audio import is_kept_audio
from store.handoffs import HandoffView, QueueEntry
from store.staff import StaffScope
from store.transcript import StoredTurn, TurnRecord

if TYPE_CHECKING:
    from bot.staff.console import StaffConsole

TRANSCRIPT_TURNS = 60
# Reads a hand-off the caller has already been allowed to change (used after a successful scoped reply).
ADMIN_READ = StaffScope(
    staff_id=0, username="system", display_name="system", role="admin", station_id=None, station_code=None, lang="zh"
)
log = logging.getLogger(__name__)


def waiting_seconds(view: HandoffView, now: datetime) -> int:
    """Seconds since the hand-off was opened."""
    return max(0, int((now - view.opened_at).total_seconds()))


def queue_json(entries: list[QueueEntry], now: datetime) -> dict[str, Any]:
    """The queue as the live-update script reads it."""
    return {
        "count": len(entries),
        "handoffs": [
            {
                "id": e.handoff.id,
                "channel": e.handoff.channel,
                "station": e.handoff.station.code if e.handoff.station else None,
                "waiting_seconds": waiting_seconds(e.handoff, now),
                "farmer_messages": e.farmer_messages,
                "preview": e.last_farmer_text,
                "assigned": e.handoff.assigned_name,
                "reason": e.handoff.reason,
            }
            for e in entries
        ],
    }


def router(console: "StaffConsole") -> APIRouter:
    """Routes under `/staff/` for hand-offs."""
    routes = APIRouter(prefix="/staff")
    services = console.services

    def bot_history(view: HandoffView) -> list[StoredTurn]:
        if services.transcript is None:
            return []
        turns: list[StoredTurn] = []
        # Older transcript rows name the conversation by its sender-id prefix: read every stored name.
        for channel in stored_names(view.channel):
            turns.extend(
                services.transcript.transcript(channel=channel, external_id=view.external_id, limit=TRANSCRIPT_TURNS)
            )
        before = [t for t in turns if as_utc(t.created_at) < view.opened_at]  # later turns are in the thread
        return sorted(before, key=lambda t: (as_utc(t.created_at), t.id))[-TRANSCRIPT_TURNS:]

    def record_staff_turn(handoff_id: int, text: str) -> None:
        """Add the staff reply to the conversation transcript (masked), so reports see the whole conversation."""
        view = services.handoffs.get(ADMIN_READ, handoff_id)
        if services.transcript is None or view is None:
            return
        channel, external_id = view.channel, view.external_id
        try:
            services.transcript.record_turns(
                [TurnRecord(channel=channel, external_id=external_id, direction="staff", text=mask_personal_data(text))]
            )
        except Exception:  # the reply is already stored and queued; the transcript copy is secondary
            log.exception("could not add a staff reply to the transcript")

    @routes.get("/")
    async def queue_page(ctx: Annotated[StaffContext, Depends(console.require_staff)], request: Request) -> Response:
        """Open hand-offs of the person's station, oldest first, with waiting time."""
        entries = await asyncio.to_thread(services.handoffs.queue, ctx.scope)
        closed = await asyncio.to_thread(services.handoffs.recent_closed, ctx.scope)
        now = utcnow()
        return console.render(
            request,
            ctx,
            "queue.html",
            entries=entries,
            closed=closed,
            waiting={e.handoff.id: waiting_seconds(e.handoff, now) // 60 for e in entries},
        )

    @routes.get("/api/queue")
    async def queue_api(ctx: Annotated[StaffContext, Depends(console.require_staff)]) -> JSONResponse:
        """The queue as JSON, polled by the open console for live updates."""
        entries = await asyncio.to_thread(services.handoffs.queue, ctx.scope)
        return JSONResponse(queue_json(entries, utcnow()), headers={"Cache-Control": "no-store"})

    @routes.get("/handoffs/{handoff_id}")
    async def conversation(
        ctx: Annotated[StaffContext, Depends(console.require_staff)], handoff_id: int, request: Request
    ) -> Response:
        """The conversation: the bot era from the transcript, then the hand-off thread; reply, close, assign."""
        view = await asyncio.to_thread(services.handoffs.get, ctx.scope, handoff_id)
        if view is None:
            return console.render(request, ctx, "not_found.html", status_code=404)
        thread = await asyncio.to_thread(services.handoffs.messages, ctx.scope, handoff_id)
        history = await asyncio.to_thread(bot_history, view)
        colleagues = await asyncio.to_thread(services.staff.colleagues, view.station.id if view.station else None)
        waiting = await asyncio.to_thread(services.outbox.waiting_count, view.channel, view.external_id)
        await asyncio.to_thread(
            services.staff.audit, ctx.scope, "handoff_view", target_type="handoff", target_id=str(handoff_id)
        )
        return console.render(
            request,
            ctx,
            "handoff.html",
            handoff=view,
            thread=thread,
            history=history,
            colleagues=[c for c in colleagues if c.id != ctx.scope.staff_id],
            stations=services.stations,
            templates=[(t.key, t.text(view.lang)) for t in console.reply_templates],
            saved=request.query_params.get("saved"),
            waiting=waiting,
        )

    @routes.get("/api/handoffs/{handoff_id}/messages")
    async def thread_api(
        ctx: Annotated[StaffContext, Depends(console.require_staff)], handoff_id: int, after: int = 0
    ) -> JSONResponse:
        """New messages of a hand-off thread (for the open conversation view)."""
        view = await asyncio.to_thread(services.handoffs.get, ctx.scope, handoff_id)
        if view is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        thread = await asyncio.to_thread(services.handoffs.messages, ctx.scope, handoff_id)
        return JSONResponse(
            {
                "state": view.state,
                "messages": [
                    {
                        "id": m.id,
                        "direction": m.direction,
                        "text": m.text,
                        "media_type": m.media_type,
                        "staff_name": m.staff_name,
                        "at": m.created_at.isoformat(),
                    }
                    for m in thread
                    if m.id > after
                ],
            },
            headers={"Cache-Control": "no-store"},
        )

    @routes.get("/handoffs/{handoff_id}/audio/{message_id}")
    async def audio(
        ctx: Annotated[StaffContext, Depends(console.require_staff)], handoff_id: int, message_id: int
    ) -> Response:
        """A voice recording the farmer sent from the web chat during this hand-off (staff of its station only)."""
        view = await asyncio.to_thread(services.handoffs.get, ctx.scope, handoff_id)
        kept = services.audio
        if view is None or kept is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        thread = await asyncio.to_thread(services.handoffs.messages, ctx.scope, handoff_id)
        ref = next((m.media_ref for m in thread if m.id == message_id and is_kept_audio(m.media_ref)), None)
        found = await asyncio.to_thread(kept.open, handoff_id, str(ref)) if ref else None
        if found is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        await asyncio.to_thread(
            services.staff.audit, ctx.scope, "handoff_audio", target_type="handoff", target_id=str(handoff_id)
        )
        body, content_type = found
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})

    @routes.post("/handoffs/{handoff_id}/reply")
    async def reply(
        ctx: Annotated[StaffContext, Depends(console.require_staff_post)],
        handoff_id: int,
        text: str = Form(max_length=4000),
    ) -> Response:
        """Send a staff reply to the farmer (through the outbox)."""
        sent = await asyncio.to_thread(
            services.handoffs.staff_reply, ctx.scope, handoff_id, text, lambda view: staff_message(view, text.strip())
        )
        if not sent:
            return _refused(handoff_id)
        services.notify_outbox()
        await asyncio.to_thread(record_staff_turn, handoff_id, text.strip())
        return RedirectResponse(f"/staff/handoffs/{handoff_id}", status_code=303)

    @routes.post("/handoffs/{handoff_id}/close")
    async def close(ctx: Annotated[StaffContext, Depends(console.require_staff_post)], handoff_id: int) -> Response:
        """Close the hand-off: the bot takes over and asks the farmer for a rating."""
        view = await asyncio.to_thread(
            services.handoffs.staff_close, ctx.scope, handoff_id, lambda v: rating_request(v, idle=False)
        )
        if view is None:
            return _refused(handoff_id)
        services.notify_outbox()
        return RedirectResponse("/staff/", status_code=303)

    @routes.post("/handoffs/{handoff_id}/assign")
    async def assign(
        ctx: Annotated[StaffContext, Depends(console.require_staff_post)],
        handoff_id: int,
        staff_id: str = Form(default=""),
        station_code: str = Form(default="", max_length=32),
        note: str = Form(default="", max_length=500),
    ) -> Response:
        """Give the hand-off to a colleague and/or another station, with a note."""
        colleague = int(staff_id) if staff_id.isdigit() else None
        if colleague is None and not station_code:
            return _refused(handoff_id)
        view = await asyncio.to_thread(
            lambda: services.handoffs.assign(
                ctx.scope, handoff_id, staff_id=colleague, station_code=station_code or None, note=note
            )
        )
        if view is None:
            return _refused(handoff_id)
        still_mine = ctx.scope.sees_station(view.station.id if view.station else None)
        return RedirectResponse(f"/staff/handoffs/{handoff_id}?saved=1" if still_mine else "/staff/", status_code=303)

    return routes


def _refused(handoff_id: int) -> Response:
    """Out of scope, closed, or invalid: the same answer, so nothing leaks about other stations."""
    return JSONResponse({"error": "not_found_or_closed", "handoff": handoff_id}, status_code=404)
