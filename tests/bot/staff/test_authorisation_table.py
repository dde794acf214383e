"""The staff console's authorisation table: every route × station A staff / station B staff / admin / anonymous.

The targets (hand-off, application) belong to station A; each request gets fresh ones, so one role's changes
never decide another's answer. Every console route must appear in EXPECTED: a new route fails this test until
its row is added. Print the table with `python -m tests.bot.staff.test_authorisation_table`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from bot.campaigns.keys import generate_campaign_key
from bot.campaigns.wiring import CampaignParts
from bot.settings import BotSettings
from bot.staff.console import ConsoleServices, StaffConsole
from bot.staff.handoff_pages import ADMIN_READ
from bot.web.app import create_web_app
from loans.stations import load_stations
from store.applications import ApplicationStore
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import make_engine, migrate, session_factory, session_scope
from store.handoff_audio import SqlHandoffAudio
from store.handoffs import SqlHandoffs
from store.outbox import SqlOutbox
from store.staff import SqlStaff
from store.station_applications import SqlStationApplications
from store.stations import sync_stations
from store.transcript import SqlTranscript
from tests.bot.fakes import RecordingEngine
from tests.factories import sample_form

PASSWORD = "a long staff password"
ROLES = ("station_a", "station_b", "admin", "anonymous")
USERS = {"station_a": "qs", "station_b": "hx", "admin": "admin"}
# allow: served · deny: 403/404 (the same as a missing record) · login: sent to log in (303 to /staff/login
# or 401 JSON) · public: served to anyone (log-in form, language switch)
STAFF = {"station_a": "allow", "station_b": "allow", "admin": "allow", "anonymous": "login"}
STATION_A_ONLY = {"station_a": "allow", "station_b": "deny", "admin": "allow", "anonymous": "login"}
ADMIN_ONLY = {"station_a": "deny", "station_b": "deny", "admin": "allow", "anonymous": "login"}
PUBLIC = dict.fromkeys(ROLES, "public")

EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/staff/login"): PUBLIC,
    ("POST", "/staff/login"): PUBLIC,
    ("GET", "/staff/lang"): PUBLIC,
    ("POST", "/staff/logout"): STAFF,
    ("GET", "/staff/"): STAFF,
    ("GET", "/staff/api/queue"): STAFF,
    ("GET", "/staff/handoffs/{handoff_id}"): STATION_A_ONLY,
    ("GET", "/staff/api/handoffs/{handoff_id}/messages"): STATION_A_ONLY,
    ("GET", "/staff/handoffs/{handoff_id}/audio/{message_id}"): STATION_A_ONLY,
    ("POST", "/staff/handoffs/{handoff_id}/reply"): STATION_A_ONLY,
    ("POST", "/staff/handoffs/{handoff_id}/close"): STATION_A_ONLY,
    ("POST", "/staff/handoffs/{handoff_id}/assign"): STATION_A_ONLY,
    ("GET", "/staff/applications"): STAFF,
    ("GET", "/staff/applications/{reference}"): STATION_A_ONLY,
    ("POST", "/staff/applications/{reference}/reveal"): STATION_A_ONLY,
    ("POST", "/staff/applications/{reference}/status"): STATION_A_ONLY,
    ("GET", "/staff/admin/stations"): ADMIN_ONLY,
    ("GET", "/staff/admin/users"): ADMIN_ONLY,
    ("POST", "/staff/admin/users"): ADMIN_ONLY,
    ("POST", "/staff/admin/users/{staff_id}/{action}"): ADMIN_ONLY,
    ("GET", "/staff/admin/audit"): ADMIN_ONLY,
    ("GET", "/staff/campaigns/report"): STAFF,
    ("GET", "/staff/campaigns/report.csv"): STAFF,
    ("GET", "/staff/campaigns"): ADMIN_ONLY,
    ("POST", "/staff/campaigns"): ADMIN_ONLY,
    ("POST", "/staff/campaigns/{slug}/placements"): ADMIN_ONLY,
    ("GET", "/staff/campaigns/{slug}/posters/{code}.{kind}"): ADMIN_ONLY,
}


@dataclass
class Console:
    """A console app over a fresh database, with accounts of two stations and an admin."""

    client: TestClient
    app: FastAPI
    services: ConsoleServices
    parts: CampaignParts
    counter: Iterator[int]

    def handoff(self) -> int:
        """A new open hand-off of station A."""
        n = next(self.counter)
        view, _ = self.services.handoffs.open(
            channel="telegram", external_id=f"h{n}", lang="zh", reason="request", station_code="ZJ-QS"
        )
        self.services.handoffs.record_farmer_message(view.id, text="请帮帮我")
        return view.id

    def recording(self, handoff_id: int) -> int:
        """A web recording kept in the hand-off: the id of its farmer message."""
        assert self.services.audio is not None
        ref = self.services.audio.keep(handoff_id, b"OggS-recording", "audio/ogg")
        self.services.handoffs.record_farmer_message(handoff_id, text="我家的猪病了", media_type="voice", media_ref=ref)
        return max(m.id for m in self.services.handoffs.messages(ADMIN_READ, handoff_id))

    def application(self) -> str:
        """A new pre-application at station A."""
        n = next(self.counter)
        form = sample_form(form_token=f"authz-form-{n}", external_id=f"a{n}", lang="zh", station_code="ZJ-QS")
        return self.services.applications.submit_application(form).application.reference


def build_console(tmp: Path) -> Iterator[Console]:
    """The console app with its campaigns pages, one campaign with one placement (station A)."""
    engine = make_engine(f"sqlite:///{tmp / 'authz.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    with session_scope(sessions) as session:
        sync_stations(session, load_stations())
    cipher = FieldCipher(decode_key(generate_key()))
    services = ConsoleServices(
        staff=SqlStaff(sessions),
        handoffs=SqlHandoffs(sessions),
        applications=ApplicationStore(sessions, cipher),
        station_applications=SqlStationApplications(sessions),
        outbox=SqlOutbox(sessions),
        transcript=SqlTranscript(sessions),
        stations=load_stations(),
        audio=SqlHandoffAudio(sessions, cipher),
    )
    services.staff.create_user(username="qs", password=PASSWORD, display_name="青山小王", station_code="ZJ-QS")
    services.staff.create_user(username="hx", password=PASSWORD, display_name="河西小张", station_code="ZJ-HX")
    services.staff.create_user(username="admin", password=PASSWORD, display_name="管理员", role="admin")
    console = StaffConsole(services)
    settings = BotSettings(home=tmp, campaign_key=generate_campaign_key(), telegram_bot_username="NonghuiBot")
    parts = CampaignParts.build(settings, sessions)
    parts.install_console(console)
    app = create_web_app(RecordingEngine(), extensions=[console.install])
    counter = iter(range(1, 100_000))
    with TestClient(app, follow_redirects=False) as client:
        yield Console(client, app, services, parts, counter)
    engine.dispose()


_SESSIONS: dict[tuple[int, str], tuple[dict[str, str], str]] = {}


def log_in(client: TestClient, role: str) -> str:
    """Put `role`'s session cookies on the client (logging in once; nothing for anonymous); the CSRF token its
    forms carry (a login-form token for anonymous)."""
    client.cookies.clear()
    cached = _SESSIONS.get((id(client), role))
    if cached is not None:
        for name, value in cached[0].items():
            client.cookies.set(name, value)
        return cached[1]
    page = client.get("/staff/login")
    login_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    if role == "anonymous":
        return login_token
    client.post("/staff/login", data={"username": USERS[role], "password": PASSWORD, "csrf_token": login_token})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/").text).group(1)  # type: ignore[union-attr]
    _SESSIONS[(id(client), role)] = ({name: value for name, value in client.cookies.items()}, csrf)
    return csrf


def ensure_campaign(console: Console) -> tuple[str, str]:
    """A campaign with one placement (made directly in the store): its slug and placement code."""
    store = console.parts.store
    if store.get_campaign("authz") is None:
        from datetime import date, timedelta

        from store.campaigns import CampaignSpec, PlacementSpec

        today = date.today()
        store.add_campaign(
            CampaignSpec(
                slug="authz",
                name="授权测试",
                organiser="青山镇",
                topic="scam",
                starts_on=today - timedelta(days=1),
                ends_on=today + timedelta(days=30),
                station_code="ZJ-QS",
            )
        )
        store.add_placement("authz", PlacementSpec(kind="poster", location="李家村"))
    placement = store.get_campaign("authz").placements[0]  # admins add more as the table is run
    return "authz", placement.code


def request_for(console: Console, method: str, path: str, csrf: str) -> tuple[str, dict[str, str] | None]:
    """A concrete URL for the route pattern (fresh station A targets) and its form body."""
    form: dict[str, str] = {"csrf_token": csrf}
    url = path
    if "{handoff_id}" in path:
        handoff_id = console.handoff()
        url = url.replace("{handoff_id}", str(handoff_id))
        if "{message_id}" in path:
            url = url.replace("{message_id}", str(console.recording(handoff_id)))
    if "{reference}" in path:
        url = url.replace("{reference}", console.application())
    if "{staff_id}" in path:
        url = url.replace("{staff_id}/{action}", "1/unlock")
    if "{slug}" in path:
        slug, code = ensure_campaign(console)
        url = url.replace("{slug}", slug).replace("{code}.{kind}", f"{code}.png")
    if url.endswith("/reply"):
        form["text"] = "您好"
    elif url.endswith("/assign"):
        form["station_code"] = "ZJ-QS"
        form["note"] = "同站"
    elif url.endswith("/status"):
        form["status"] = "contacted"
    elif url == "/staff/login":
        page = console.client.get("/staff/login")  # the log-in form's own token (double-submit cookie)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        form.update(username="nobody", password="wrong password", csrf_token=token)
    elif url == "/staff/admin/users":
        form.update(username=f"u{next(console.counter)}", display_name="新人", password=PASSWORD)
    elif url == "/staff/campaigns":
        form.update(
            slug=f"c{next(console.counter)}",
            name="测试",
            organiser="青山镇",
            topic="loan",
            starts_on="2026-12-01",
            ends_on="2026-12-31",
        )
    elif url.endswith("/placements"):
        form["location"] = "王家村"
    return url, (form if method == "POST" else None)


def outcome(response: object) -> str:
    """allow / deny / login for one answer."""
    status = response.status_code  # type: ignore[attr-defined]
    location = response.headers.get("location", "")  # type: ignore[attr-defined]
    if (status == 303 and location == "/staff/login") or status == 401:
        return "login"
    if status in (403, 404):
        return "deny"
    if status in (200, 303):
        return "allow"
    return f"HTTP {status}"


def observe(console: Console, method: str, path: str, role: str) -> str:
    """What `role` gets from one route."""
    csrf = log_in(console.client, role)
    url, form = request_for(console, method, path, csrf)
    response = console.client.post(url, data=form) if method == "POST" else console.client.get(url)
    if path == "/staff/logout" and role != "anonymous":
        _SESSIONS.pop((id(console.client), role), None)
        # Logging out also answers 303 to the log-in page: it was served when the session is over afterwards.
        ended = console.client.get("/staff/").headers.get("location") == "/staff/login"
        return "allow" if ended and outcome(response) == "login" else outcome(response)
    if EXPECTED[(method, path)] is PUBLIC:
        return "public" if response.status_code in (200, 303, 401) else f"HTTP {response.status_code}"
    return outcome(response)


def api_routes(routes: list[object], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every API route, inside included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield from ((method, prefix + route.path) for method in route.methods)
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers as such
            context = getattr(route, "include_context", None)
            yield from api_routes(route.original_router.routes, prefix + getattr(context, "prefix", ""))
        elif hasattr(route, "routes") and not hasattr(route, "app"):
            yield from api_routes(route.routes, prefix)


def console_routes(console: Console) -> set[tuple[str, str]]:
    """Every (method, path) of the console in the app."""
    return {(method, path) for method, path in api_routes(list(console.app.routes)) if path.startswith("/staff")}


def observed_table(console: Console) -> dict[tuple[str, str], dict[str, str]]:
    """The whole matrix, as requested from the app."""
    return {key: {role: observe(console, *key, role) for role in ROLES} for key in EXPECTED}


def render(table: dict[tuple[str, str], dict[str, str]]) -> str:
    """A Markdown table of the matrix."""
    lines = ["| method | route | station A staff | station B staff | admin | anonymous |", "|---|---|---|---|---|---|"]
    lines += [f"| {m} | `{p}` | " + " | ".join(row[r] for r in ROLES) + " |" for (m, p), row in table.items()]
    return "\n".join(lines)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    yield from build_console(tmp_path)


def test_every_console_route_is_in_the_authorisation_table(console: Console) -> None:
    assert console_routes(console) == set(EXPECTED)


def test_every_route_answers_each_role_as_the_table_says(console: Console) -> None:
    observed = observed_table(console)

    mismatches = {key: row for key, row in observed.items() if row != EXPECTED[key]}
    assert mismatches == {}, render(mismatches)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for built in build_console(Path(folder)):
            sys.stdout.write(render(observed_table(built)) + "\n")
