"""Pre-application pages: list by status, detail with masked ID (reveal is audit-logged), status changes."""

# No `from __future__ import annotations`: FastAPI must evaluate the `Depends(console...)` annotations.
import asyncio
import logging
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.handoff.texts import status_notice
from bot.staff.auth import StaffContext
from core.channels import is_channel
from core.errors import NonghuiError
from loans.status import TRANSITIONS, ApplicationStatus
from store.outbox import NewMessage

if TYPE_CHECKING:
    from bot.staff.console import StaffConsole

log = logging.getLogger(__name__)


PER_PAGE = 50


def router(console: "StaffConsole") -> APIRouter:
    """Routes under `/staff/applications`."""
    routes = APIRouter(prefix="/staff/applications")
    services = console.services

    async def detail_page(
        request: Request,
        ctx: StaffContext,
        reference: str,
        revealed: tuple[str, str] | None = None,
        saved: str | None = None,
    ) -> Response:
        extras = await asyncio.to_thread(services.station_applications.extras, ctx.scope, reference)
        view = await asyncio.to_thread(services.applications.get_application, reference) if extras else None
        if extras is None or view is None:
            return console.render(request, ctx, "not_found.html", status_code=404)
        return console.render(
            request,
            ctx,
            "application.html",
            app=view,
            extras=extras,
            revealed=revealed,
            next_statuses=sorted(TRANSITIONS[view.status], key=list(ApplicationStatus).index),
            saved=saved,
        )

    @routes.get("")
    async def listing(
        ctx: Annotated[StaffContext, Depends(console.require_staff)],
        request: Request,
        status: str = "",
        q: str = "",
        page: int = 1,
    ) -> Response:
        """The station's applications, newest first, a page at a time, filtered by status and searched by
        reference, name or village; statuses in the staff member's language."""
        chosen = status if status in {s.value for s in ApplicationStatus} else ""
        page = max(page, 1)
        rows, total = await asyncio.to_thread(
            lambda: services.station_applications.page(
                ctx.scope, status=chosen or None, search=q, page=page, per_page=PER_PAGE
            )
        )
        return console.render(
            request,
            ctx,
            "applications.html",
            rows=rows,
            statuses=list(ApplicationStatus),
            chosen=chosen,
            status_labels={s.value: s.label.get("en" if ctx.lang == "en" else "zh") for s in ApplicationStatus},
            q=q,
            page=page,
            pages=max(1, -(-total // PER_PAGE)),
            total=total,
        )

    @routes.get("/{reference}")
    async def detail(
        ctx: Annotated[StaffContext, Depends(console.require_staff)], reference: str, request: Request
    ) -> Response:
        """One application, personal numbers masked; the view is audit-logged once the scope check let it through
        (a refused look at another station's reference is not a view)."""
        page = await detail_page(request, ctx, reference, saved=request.query_params.get("saved"))
        if page.status_code == 200:
            await asyncio.to_thread(
                services.staff.audit,
                ctx.scope,
                "application_view",
                target_type="application",
                target_id=reference[:32],
            )
        return page

    @routes.post("/{reference}/reveal")
    async def reveal(
        ctx: Annotated[StaffContext, Depends(console.require_staff_post)], reference: str, request: Request
    ) -> Response:
        """Show the phone and resident ID in clear, recording who looked."""
        extras = await asyncio.to_thread(services.station_applications.extras, ctx.scope, reference)
        if extras is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        await asyncio.to_thread(
            services.staff.audit,
            ctx.scope,
            "reveal_personal_data",
            target_type="application",
            target_id=reference,
            detail="phone and resident ID shown",
        )
        revealed = await asyncio.to_thread(services.applications.reveal_contact, reference)
        return await detail_page(request, ctx, reference, revealed=revealed)

    @routes.post("/{reference}/status")
    async def change_status(
        ctx: Annotated[StaffContext, Depends(console.require_staff_post)],
        reference: str,
        status: str = Form(max_length=24),
        note: str = Form(default="", max_length=500),
        tell_farmer: str = Form(default=""),
    ) -> Response:
        """Move the application on, record the note, and notify the farmer in their language."""
        extras = await asyncio.to_thread(services.station_applications.extras, ctx.scope, reference)
        if extras is None or status not in {s.value for s in ApplicationStatus}:
            return JSONResponse({"error": "not_found"}, status_code=404)
        new_status = ApplicationStatus(status)
        try:
            view = await asyncio.to_thread(
                lambda: services.applications.change_status(
                    reference, new_status, actor=f"staff:{ctx.scope.username}", note=note.strip() or None
                )
            )
        except NonghuiError:
            return RedirectResponse(f"/staff/applications/{reference}?saved=failed", status_code=303)
        await asyncio.to_thread(
            services.staff.audit,
            ctx.scope,
            "application_status",
            target_type="application",
            target_id=reference,
            detail=f"→ {new_status.value}",
        )
        if is_channel(extras.farmer_channel) and extras.farmer_external_id:
            shared_note = note.strip() if tell_farmer and note.strip() else None
            message = NewMessage(
                channel=extras.farmer_channel,
                external_id=extras.farmer_external_id,
                kind="status_change",
                text=status_notice(reference, new_status.label, shared_note, view.lang),
                lang=view.lang,
                dedupe_key=f"status:{reference}:{new_status.value}",
            )
            await asyncio.to_thread(services.outbox.enqueue, message)
            services.notify_outbox()
        return RedirectResponse(f"/staff/applications/{reference}?saved=1", status_code=303)

    return routes
