"""Real SQLite stores, stations from the sample registry, a console web app, and helpers to log in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from bot.staff.console import ConsoleServices, StaffConsole
from bot.web.app import create_web_app
from bot.web.messages_api import messages_router
from loans.stations import load_stations
from store.applications import ApplicationStore
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import make_engine, migrate, session_factory, session_scope
from store.handoffs import SqlHandoffs
from store.outbox import SqlOutbox
from store.staff import SqlStaff
from store.station_applications import SqlStationApplications
from store.stations import sync_stations
from store.transcript import SqlTranscript
from tests.bot.fakes import RecordingEngine, trusted_identity
from tests.factories import sample_form

PASSWORD = "a long staff password"


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'staff.db'}")
    migrate(engine)
    factory = session_factory(engine)
    with session_scope(factory) as session:
        sync_stations(session, load_stations())
    yield factory
    engine.dispose()


@pytest.fixture
def services(sessions):
    return ConsoleServices(
        staff=SqlStaff(sessions),
        handoffs=SqlHandoffs(sessions),
        applications=ApplicationStore(sessions, FieldCipher(decode_key(generate_key()))),
        station_applications=SqlStationApplications(sessions),
        outbox=SqlOutbox(sessions),
        transcript=SqlTranscript(sessions),
        stations=load_stations(),
    )


@pytest.fixture
def console(services):
    return StaffConsole(services)


@pytest.fixture
def client(console, services):
    identity = trusted_identity()

    def extend(app):
        app.include_router(messages_router(services.outbox, identity))
        console.install(app)

    app = create_web_app(RecordingEngine(), extensions=[extend], identity=identity)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def accounts(services):
    staff = services.staff
    return {
        "qs": staff.create_user(username="qs", password=PASSWORD, display_name="青山小王", station_code="ZJ-QS"),
        "qs2": staff.create_user(username="qs2", password=PASSWORD, display_name="青山小李", station_code="ZJ-QS"),
        "hx": staff.create_user(username="hx", password=PASSWORD, display_name="河西小张", station_code="ZJ-HX"),
        "admin": staff.create_user(username="admin", password=PASSWORD, display_name="管理员", role="admin"),
    }


def login(client: TestClient, username: str, password: str = PASSWORD):
    """Log in through the form (with its CSRF token); returns the response of the POST."""
    client.cookies.clear()
    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token})


def csrf_of(client: TestClient, path: str = "/staff/") -> str:
    """The session's CSRF token as a page carries it."""
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def application_form(external_id: str, station_code: str, *, lang: str = "zh", channel: str = "telegram"):
    return sample_form(
        form_token=f"{channel}-{external_id}-form",
        channel=channel,
        external_id=external_id,
        lang=lang,
        station_code=station_code,
    )


NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
