"""Admin pages: stations, staff accounts (create, disable, unlock) and the audit log."""

# No `from __future__ import annotations`: FastAPI must evaluate the `Depends(console...)` annotations.
import asyncio
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from bot.staff.auth import StaffContext
from store.staff import StaffError

if TYPE_CHECKING:
    from bot.staff.console import StaffConsole

AUDIT_PAGE_SIZE = 50


def router(console: "StaffConsole") -> APIRouter:
    """Routes under `/staff/admin`."""
    routes = APIRouter(prefix="/staff/admin")
    services = console.services

    @routes.get("/stations")
    async def stations(ctx: Annotated[StaffContext, Depends(console.require_admin)], request: Request) -> Response:
        """The station registry as loaded."""
        return console.render(request, ctx, "admin_stations.html", stations=services.stations)

    @routes.get("/users")
    async def users(ctx: Annotated[StaffContext, Depends(console.require_admin)], request: Request) -> Response:
        """Every staff account."""
        accounts = await asyncio.to_thread(services.staff.accounts)
        return console.render(
            request,
            ctx,
            "admin_users.html",
            accounts=accounts,
            stations=services.stations,
            saved=request.query_params.get("saved"),
        )

    @routes.post("/users")
    async def create_user(
        ctx: Annotated[StaffContext, Depends(console.require_admin_post)],
        username: str = Form(max_length=64),
        display_name: str = Form(max_length=64),
        password: str = Form(max_length=256),
        role: str = Form(default="staff"),
        station_code: str = Form(default="", max_length=32),
    ) -> Response:
        """Create an account (its password hash counts against the cap on concurrent hashes)."""
        try:
            created = await console.login_guard.hashes.run(
                lambda: services.staff.create_user(
                    username=username,
                    password=password,
                    display_name=display_name,
                    role="admin" if role == "admin" else "staff",
                    station_code=station_code or None,
                )
            )
        except StaffError:
            return RedirectResponse("/staff/admin/users?saved=failed", status_code=303)
        if created is None:
            return RedirectResponse("/staff/admin/users?saved=failed", status_code=303)
        await asyncio.to_thread(
            services.staff.audit, ctx.scope, "staff_create", target_type="staff", target_id=username.lower()
        )
        return RedirectResponse("/staff/admin/users?saved=1", status_code=303)

    @routes.post("/users/{staff_id}/{action}")
    async def change_user(
        ctx: Annotated[StaffContext, Depends(console.require_admin_post)], staff_id: int, action: str
    ) -> Response:
        """Disable, enable or unlock an account."""
        try:
            if action == "disable":
                await asyncio.to_thread(services.staff.set_active, staff_id, False)
            elif action == "enable":
                await asyncio.to_thread(services.staff.set_active, staff_id, True)
            elif action == "unlock":
                await asyncio.to_thread(services.staff.unlock, staff_id)
            else:
                return RedirectResponse("/staff/admin/users?saved=failed", status_code=303)
        except StaffError:
            return RedirectResponse("/staff/admin/users?saved=failed", status_code=303)
        await asyncio.to_thread(
            services.staff.audit, ctx.scope, f"staff_{action}", target_type="staff", target_id=str(staff_id)
        )
        return RedirectResponse("/staff/admin/users?saved=1", status_code=303)

    @routes.get("/audit")
    async def audit(
        ctx: Annotated[StaffContext, Depends(console.require_admin)],
        request: Request,
        page: int = Query(default=1, ge=1, le=100_000),
        action: str = Query(default="", max_length=48),
        user: str = Query(default="", max_length=64),
    ) -> Response:
        """Audit entries, newest first, `AUDIT_PAGE_SIZE` a page, filtered by action and user name."""
        rows = await asyncio.to_thread(
            lambda: services.staff.audit_log(
                limit=AUDIT_PAGE_SIZE + 1,
                offset=(page - 1) * AUDIT_PAGE_SIZE,
                action=action or None,
                username=user.strip().lower() or None,
            )
        )
        actions = await asyncio.to_thread(services.staff.audit_actions)
        query = {"action": action, "user": user}
        return console.render(
            request,
            ctx,
            "admin_audit.html",
            entries=rows[:AUDIT_PAGE_SIZE],
            actions=actions,
            chosen_action=action,
            chosen_user=user,
            page=page,
            previous_url=_audit_url(query, page - 1) if page > 1 else None,
            next_url=_audit_url(query, page + 1) if len(rows) > AUDIT_PAGE_SIZE else None,
        )

    return routes


def _audit_url(query: dict[str, str], page: int) -> str:
    """The audit page `page` with the same filters."""
    kept = {key: value for key, value in query.items() if value}
    return "/staff/admin/audit?" + urlencode({**kept, "page": page})
