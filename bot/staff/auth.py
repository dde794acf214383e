"""Console sessions: the session cookie, the CSRF check on every POST, and the FastAPI auth dependencies."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData

from core.errors import NonghuiError
from store.staff import SqlStaff, StaffScope

SESSION_COOKIE = "nh_staff"
LANG_COOKIE = "nh_staff_lang"
LOGIN_CSRF_COOKIE = "nh_staff_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class ConsoleAuthError(NonghuiError):
    """Base of the console's refusals (turned into a redirect, 401, 403 or 404 by the console)."""


class LoginRequired(ConsoleAuthError):
    """No valid session."""


class Forbidden(ConsoleAuthError):
    """Logged in, but not allowed (not an admin, or the CSRF token is missing or wrong)."""


@dataclass(frozen=True)
class StaffContext:
    """The person behind a request: their scope, the session's CSRF token and the console language."""

    scope: StaffScope
    csrf_token: str
    lang: str


def console_lang(request: Request, default: str = "zh") -> str:
    """The console language chosen with the switch (cookie), else `default`."""
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in ("zh", "en") else ("en" if default == "en" else "zh")


def new_login_csrf() -> str:
    """A fresh token for the login form (double-submit: cookie + hidden field)."""
    return secrets.token_urlsafe(24)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two tokens; False when either is missing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class StaffAuth:
    """Resolves the session cookie to a `StaffContext` and enforces roles and CSRF."""

    def __init__(self, staff: SqlStaff) -> None:
        self._staff = staff

    async def context(self, request: Request) -> StaffContext | None:
        """The logged-in person, or None."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        found = await asyncio.to_thread(self._staff.session, token)
        if found is None:
            return None
        scope, csrf = found
        return StaffContext(scope=scope, csrf_token=csrf, lang=console_lang(request, scope.lang))

    async def require_staff(self, request: Request) -> StaffContext:
        """Dependency: any logged-in staff member or admin."""
        ctx = await self.context(request)
        if ctx is None:
            raise LoginRequired("login required")
        return ctx

    async def require_admin(self, request: Request) -> StaffContext:
        """Dependency: a logged-in admin."""
        ctx = await self.require_staff(request)
        if not ctx.scope.is_admin:
            raise Forbidden("admins only")
        return ctx

    async def require_staff_post(self, request: Request) -> StaffContext:
        """Dependency for POSTs: logged in, and the CSRF token of the session sent back."""
        ctx = await self.require_staff(request)
        await check_csrf(request, ctx.csrf_token)
        return ctx

    async def require_admin_post(self, request: Request) -> StaffContext:
        """Dependency for admin POSTs."""
        ctx = await self.require_admin(request)
        await check_csrf(request, ctx.csrf_token)
        return ctx


async def check_csrf(request: Request, expected: str) -> None:
    """Raise Forbidden unless the form field or header carries `expected`."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form: FormData = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(expected, given):
        raise Forbidden("CSRF token missing or wrong")
