"""Login, logout and the language switch of the staff console."""

# No `from __future__ import annotations`: FastAPI must evaluate the `Depends(console...)` annotations.
import asyncio
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.limits import Decision
from bot.staff.auth import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    StaffContext,
    console_lang,
    new_login_csrf,
    tokens_match,
)

if TYPE_CHECKING:
    from bot.staff.console import StaffConsole


def router(console: "StaffConsole") -> APIRouter:
    """Routes `/staff/login`, `/staff/logout`, `/staff/lang`."""
    routes = APIRouter(prefix="/staff")

    def login_page(request: Request, error: str | None, status_code: int = 200) -> Response:
        token = new_login_csrf()
        response = console.render(
            request,
            None,
            "login.html",
            status_code=status_code,
            lang=console_lang(request),
            login_csrf=token,
            error=error,
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=console.secure_cookies, path="/staff"
        )
        return response

    @routes.get("/login")
    async def login_form(request: Request) -> Response:
        """The login form."""
        return login_page(request, None)

    @routes.post("/login")
    async def login(
        request: Request,
        username: str = Form(max_length=64),
        password: str = Form(max_length=256),
        csrf_token: str = Form(default="", max_length=128),
    ) -> Response:
        """Check the password; on success set the session cookie and go to the queue."""
        if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
            return login_page(request, "failed", status_code=403)
        ip = request.client.host if request.client else "unknown"
        outcome = await console.login_guard.attempt(
            ip, username, lambda: console.services.staff.login(username, password), lambda o: o.ok
        )
        if isinstance(outcome, Decision):
            response = login_page(request, "login_throttled", status_code=429)
            response.headers["Retry-After"] = str(outcome.retry_after_seconds)
            return response
        if not outcome.ok or outcome.token is None:
            # One message for an unknown name, a wrong password, a disabled or a locked account.
            return login_page(request, "login_failed", status_code=401)
        response = RedirectResponse("/staff/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            outcome.token,
            httponly=True,
            samesite="strict",
            secure=console.secure_cookies,
            path="/",
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/staff")
        return response

    @routes.post("/logout")
    async def logout(ctx: Annotated[StaffContext, Depends(console.require_staff_post)], request: Request) -> Response:
        """End the session."""
        token = request.cookies.get(SESSION_COOKIE, "")
        await asyncio.to_thread(console.services.staff.logout, token)
        response = RedirectResponse("/staff/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @routes.get("/lang")
    async def switch_lang(request: Request, to: str = "zh", back: str = "/staff/") -> Response:
        """Switch the console between Chinese and English (remembered in a cookie)."""
        target = back if back.startswith("/staff") and "//" not in back else "/staff/"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(LANG_COOKIE, "en" if to == "en" else "zh", samesite="lax", path="/staff")
        return response

    return routes
