import csv
import io

import pytest
from fastapi.testclient import TestClient

from bot.campaigns.keys import generate_campaign_key
from bot.campaigns.wiring import CampaignParts
from bot.settings import BotSettings
from bot.staff.console import ConsoleServices, StaffConsole
from bot.web.app import create_web_app
from loans.stations import load_stations
from store.applications import ApplicationStore
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import session_scope
from store.handoffs import SqlHandoffs
from store.outbox import SqlOutbox
from store.staff import SqlStaff
from store.station_applications import SqlStationApplications
from store.stations import sync_stations
from store.transcript import SqlTranscript
from tests.bot.fakes import RecordingEngine
from tests.bot.staff.conftest import PASSWORD, csrf_of, login


@pytest.fixture
def parts(sessions, tmp_path):
    with session_scope(sessions) as session:
        sync_stations(session, load_stations())
    settings = BotSettings(
        home=tmp_path,
        campaign_key=generate_campaign_key(),
        telegram_bot_username="NonghuiBot",
        public_web_url="https://chat.example.cn/",
    )
    return CampaignParts.build(settings, sessions)


@pytest.fixture
def client(sessions, parts):
    services = ConsoleServices(
        staff=SqlStaff(sessions),
        handoffs=SqlHandoffs(sessions),
        applications=ApplicationStore(sessions, FieldCipher(decode_key(generate_key()))),
        station_applications=SqlStationApplications(sessions),
        outbox=SqlOutbox(sessions),
        transcript=SqlTranscript(sessions),
        stations=load_stations(),
    )
    services.staff.create_user(username="admin", password=PASSWORD, display_name="管理员", role="admin")
    services.staff.create_user(username="qs", password=PASSWORD, display_name="青山小王", station_code="ZJ-QS")
    console = StaffConsole(services)
    parts.install_console(console)
    app = create_web_app(RecordingEngine(), extensions=[console.install])
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def add_campaign(client, **changes):
    data = {
        "csrf_token": csrf_of(client, "/staff/campaigns"),
        "slug": "qs-scam",
        "name": "冬季防骗宣传",
        "organiser": "县金融办",
        "topic": "scam",
        "starts_on": "2026-11-01",
        "ends_on": "2027-01-31",
        "station_code": "ZJ-QS",
        **changes,
    }
    return client.post("/staff/campaigns", data=data)


def test_admin_adds_a_campaign_and_a_placement_and_sees_its_links(client, parts):
    login(client, "admin")
    assert add_campaign(client).headers["location"] == "/staff/campaigns?saved=1"
    token = csrf_of(client, "/staff/campaigns")
    placed = client.post(
        "/staff/campaigns/qs-scam/placements", data={"csrf_token": token, "location": "李家村", "kind": "poster"}
    )
    assert placed.headers["location"] == "/staff/campaigns?saved=1"
    page = client.get("/staff/campaigns").text
    (placement,) = parts.store.get_campaign("qs-scam").placements
    payload = parts.signer.sign(placement.code)
    assert f"https://t.me/NonghuiBot?start={payload}" in page and "李家村" in page


def test_bad_campaign_form_and_missing_csrf_are_refused(client):
    login(client, "admin")
    assert add_campaign(client, ends_on="2026-01-01").headers["location"] == "/staff/campaigns?saved=failed"
    assert add_campaign(client, topic="<script>").headers["location"] == "/staff/campaigns?saved=failed"
    refused = client.post("/staff/campaigns", data={"slug": "x"})
    assert refused.status_code == 403


def test_station_staff_see_the_report_but_not_the_registry(client):
    login(client, "qs")
    assert client.get("/staff/campaigns").status_code == 403
    report = client.get("/staff/campaigns/report")
    assert report.status_code == 200 and "<svg" in report.text


def test_not_logged_in_is_sent_to_login(client):
    client.cookies.clear()
    assert client.get("/staff/campaigns/report").headers["location"] == "/staff/login"


def test_report_counts_an_arrival_and_exports_csv(client, parts):
    login(client, "admin")
    add_campaign(client)
    token = csrf_of(client, "/staff/campaigns")
    client.post("/staff/campaigns/qs-scam/placements", data={"csrf_token": token, "location": "李家村"})
    (placement,) = parts.store.get_campaign("qs-scam").placements
    for n in range(6):
        parts.store.record_arrival(channel="web", external_id=f"f{n}", placement_code=placement.code)
    page = client.get("/staff/campaigns/report?campaign=qs-scam&model=last")
    assert "李家村" in page.text and "<td>6</td>" in page.text
    exported = client.get("/staff/campaigns/report.csv?campaign=qs-scam")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0]["arrivals"] == "6"


def test_poster_downloads(client, parts):
    login(client, "admin")
    add_campaign(client)
    token = csrf_of(client, "/staff/campaigns")
    client.post("/staff/campaigns/qs-scam/placements", data={"csrf_token": token, "location": "李家村"})
    (placement,) = parts.store.get_campaign("qs-scam").placements
    pdf = client.get(f"/staff/campaigns/qs-scam/posters/{placement.code}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/staff/campaigns/qs-scam/posters/{placement.code}.png").content.startswith(b"\x89PNG")
    assert client.get("/staff/campaigns/qs-scam/posters/nope.pdf").status_code == 404
    assert client.get(f"/staff/campaigns/qs-scam/posters/{placement.code}.exe").status_code == 404


def test_station_staff_see_only_their_own_stations_campaigns_in_the_report(client, parts, sessions):
    from store.staff import SqlStaff

    SqlStaff(sessions).create_user(username="hx", password=PASSWORD, display_name="河西小李", station_code="ZJ-HX")
    login(client, "admin")
    add_campaign(client)
    token = csrf_of(client, "/staff/campaigns")
    client.post("/staff/campaigns/qs-scam/placements", data={"csrf_token": token, "location": "李家村"})
    client.post("/staff/logout", data={"csrf_token": csrf_of(client, "/staff/campaigns")})
    client.cookies.clear()

    login(client, "hx")
    page = client.get("/staff/campaigns/report?campaign=qs-scam").text
    exported = client.get("/staff/campaigns/report.csv?campaign=qs-scam").text
    assert "李家村" not in page and "qs-scam" not in page and "李家村" not in exported
    client.cookies.clear()

    login(client, "qs")
    assert "李家村" in client.get("/staff/campaigns/report?campaign=qs-scam").text


def test_report_exports_and_poster_downloads_are_audit_logged(client, parts, sessions):
    from sqlalchemy import select

    from store.models import AuditEntry

    login(client, "admin")
    add_campaign(client)
    token = csrf_of(client, "/staff/campaigns")
    client.post("/staff/campaigns/qs-scam/placements", data={"csrf_token": token, "location": "李家村"})
    (placement,) = parts.store.get_campaign("qs-scam").placements

    client.get("/staff/campaigns/report.csv?campaign=qs-scam")
    client.get(f"/staff/campaigns/qs-scam/posters/{placement.code}.png")

    with session_scope(sessions) as session:
        logged = [(e.username, e.action, e.target_id) for e in session.scalars(select(AuditEntry))]
    assert ("admin", "campaign_report_export", "qs-scam") in logged
    assert ("admin", "poster_download", placement.code) in logged
