"""`StaffConsole`: templates, navigation, auth dependencies and routers of the staff console."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from bot.limits import RateLimiter
from bot.staff.auth import CSRF_FIELD, Forbidden, LoginRequired, StaffAuth, StaffContext
from bot.staff.i18n import LABELS, label
from bot.staff.login_guard import LoginGuard, LoginLimits
from core.lang import as_lang
from core.text import Bilingual, bi
from loans.stations import Station
from store.applications import ApplicationStore
from store.handoff_audio import SqlHandoffAudio
from store.handoffs import SqlHandoffs
from store.outbox import SqlOutbox
from store.staff import SqlStaff
from store.station_applications import SqlStationApplications
from store.transcript import SqlTranscript

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
REPLY_TEMPLATES = PACKAGE_DIR / "reply_templates.yaml"
CHINA_OFFSET_HOURS = 8
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class NavEntry:
    """A link in the console's navigation bar."""

    path: str
    title: Bilingual
    admin: bool = False

    def label(self, lang: str) -> str:
        """The link text in the console language."""
        return self.title.get(as_lang(lang))


@dataclass(frozen=True)
class ReplyTemplate:
    """A common reply in both languages."""

    key: str
    body: Bilingual

    def text(self, lang: str) -> str:
        """The template text in the farmer's language."""
        return self.body.get(as_lang(lang))


@dataclass
class ConsoleServices:
    """What the console pages work with."""

    staff: SqlStaff
    handoffs: SqlHandoffs
    applications: ApplicationStore
    station_applications: SqlStationApplications
    outbox: SqlOutbox
    transcript: SqlTranscript | None = None
    stations: list[Station] = field(default_factory=list)
    audio: SqlHandoffAudio | None = None  # web recordings of hand-offs (Telegram/WeChat keep their own files)
    notify_outbox: Callable[[], None] = lambda: None


def load_reply_templates(path: Path = REPLY_TEMPLATES) -> list[ReplyTemplate]:
    """The reply templates file (a YAML list of {key, zh, en})."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [ReplyTemplate(key=str(item["key"]), body=bi(str(item["zh"]), str(item["en"]))) for item in raw]


def local_time(moment: datetime | None) -> str:
    """China time "2026-12-01 14:05" for display."""
    if moment is None:
        return ""
    return moment.astimezone(timezone(timedelta(hours=CHINA_OFFSET_HOURS))).strftime("%Y-%m-%d %H:%M")


class StaffConsole:
    """The console: add routers and nav entries, then `install(app)` on the bot's web app."""

    def __init__(
        self,
        services: ConsoleServices,
        *,
        secure_cookies: bool = False,
        limiter: RateLimiter | None = None,
        login_limits: LoginLimits | None = None,
    ) -> None:
        self.services = services
        self.secure_cookies = secure_cookies
        self.login_guard = LoginGuard(limiter, login_limits)
        self.auth = StaffAuth(services.staff)
        self.nav: list[NavEntry] = []
        self.reply_templates = load_reply_templates()
        self._routers: list[APIRouter] = []
        self._template_dirs: list[Path] = [TEMPLATES_DIR]
        self._labels: dict[str, Bilingual] = dict(LABELS)
        self._templates: Jinja2Templates | None = None
        from bot.staff import pages

        pages.register(self)

    # ------------------------------------------------------------------ extension points

    def add_router(self, router: APIRouter, nav: NavEntry | None = None) -> None:
        """Serve `router`'s routes in the console and, with `nav`, link them from the navigation bar."""
        self._routers.append(router)
        if nav is not None:
            self.nav.append(nav)

    def add_template_dir(self, path: Path) -> None:
        """Look up templates in `path` too (after the console's own)."""
        self._template_dirs.append(path)
        self._templates = None

    def add_labels(self, labels: dict[str, Bilingual]) -> None:
        """Add bilingual console labels usable as `t(key)` in templates."""
        self._labels.update(labels)

    async def require_staff(self, request: Request) -> StaffContext:
        """Dependency: a logged-in staff member or admin."""
        return await self.auth.require_staff(request)

    async def require_admin(self, request: Request) -> StaffContext:
        """Dependency: a logged-in admin."""
        return await self.auth.require_admin(request)

    async def require_staff_post(self, request: Request) -> StaffContext:
        """Dependency for state-changing requests of staff (CSRF checked)."""
        return await self.auth.require_staff_post(request)

    async def require_admin_post(self, request: Request) -> StaffContext:
        """Dependency for state-changing requests of admins (CSRF checked)."""
        return await self.auth.require_admin_post(request)

    # ------------------------------------------------------------------ rendering

    @property
    def templates(self) -> Jinja2Templates:
        """The Jinja2 environment over every template directory (autoescaped)."""
        if self._templates is None:
            env = Environment(
                loader=ChoiceLoader([FileSystemLoader(str(d)) for d in self._template_dirs]),
                autoescape=select_autoescape(["html"]),
            )
            env.filters["localtime"] = local_time
            self._templates = Jinja2Templates(env=env)
        return self._templates

    def text(self, key: str, lang: str) -> str:
        """A console label."""
        text = self._labels.get(key)
        return text.get(as_lang(lang)) if text is not None else label(key, lang)

    def render(
        self, request: Request, ctx: StaffContext | None, template: str, *, status_code: int = 200, **values: Any
    ) -> HTMLResponse:
        """Render a console page with the navigation, labels and CSRF token."""
        lang = ctx.lang if ctx else values.pop("lang", "zh")
        nav = [n for n in self.nav if ctx and (not n.admin or ctx.scope.is_admin)]
        context = {
            "ctx": ctx,
            "lang": lang,
            "nav": [(n.path, n.label(lang)) for n in nav],
            "csrf_field": CSRF_FIELD,
            "csrf_token": ctx.csrf_token if ctx else values.pop("login_csrf", ""),
            "t": lambda key: self.text(key, lang),
            "path": request.url.path,
            **values,
        }
        response = self.templates.TemplateResponse(request, template, context, status_code=status_code)
        response.headers.update(PAGE_HEADERS)
        return response

    # ------------------------------------------------------------------ installation

    def install(self, app: FastAPI) -> None:
        """Add the console's routes, static files and refusal handlers to the bot's web app."""
        app.mount("/staff/static", StaticFiles(directory=STATIC_DIR), name="staff-static")
        for router in self._routers:
            app.include_router(router)
        app.add_exception_handler(LoginRequired, self._login_required)
        app.add_exception_handler(Forbidden, self._forbidden)

    async def _login_required(self, request: Request, exc: Exception) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": "login_required"}, status_code=401)
        return RedirectResponse("/staff/login", status_code=303)

    async def _forbidden(self, request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "forbidden"}, status_code=403)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/staff/api/")
