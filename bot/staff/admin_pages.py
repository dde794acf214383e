"""Admin pages: stations, staff accounts (create, disable, unlock) and the audit log."""

# No `from __future__ import annotations`: FastAPI must evaluate the `Depends(console...)` annotations.
import asyncio
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.staff.auth import StaffContext
from store.staff import StaffError

if TYPE_CHECKING:
    from bot.staff.console import StaffConsole


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
        """Create an account."""
        try:
            await asyncio.to_thread(
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
    async def audit(ctx: Annotated[StaffContext, Depends(console.require_admin)], request: Request) -> Response:
        """Newest audit entries."""
        entries = await asyncio.to_thread(services.staff.audit_log)
        return console.render(request, ctx, "admin_audit.html", entries=entries)

    return routes
