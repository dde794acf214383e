"""The campaign report page in real headless Chromium: login, charts drawn, small cells hidden, CSV link."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from bot.campaigns.keys import generate_campaign_key
from bot.campaigns.wiring import CampaignParts
from bot.settings import BotSettings
from bot.staff.console import ConsoleServices, StaffConsole
from bot.web.app import create_web_app
from loans.stations import load_stations
from store.applications import ApplicationStore
from store.campaigns import CampaignSpec, CampaignStore, PlacementSpec
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import make_engine, migrate, session_factory, session_scope
from store.handoffs import SqlHandoffs
from store.models import ConversationTurn, Farmer
from store.outbox import SqlOutbox
from store.staff import SqlStaff
from store.station_applications import SqlStationApplications
from store.stations import sync_stations
from store.transcript import SqlTranscript
from tests.bot.fakes import RecordingEngine
from tests.integration.conftest import free_port

pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long staff password"
START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def seed(sessions) -> None:  # type: ignore[no-untyped-def]
    """Two placements: a village poster with 23 farmers over a week, a leaflet with 3 (a small cell)."""
    with session_scope(sessions) as session:
        sync_stations(session, load_stations())
    clock = {"now": START}
    store = CampaignStore(sessions, new_code=iter(["poster1", "leaflet1"]).__next__, clock=lambda: clock["now"])
    store.add_campaign(
        CampaignSpec(
            slug="qs-scam",
            name="冬季防骗宣传",
            organiser="青山镇金融办",
            topic="scam",
            starts_on=date(2026, 11, 15),
            ends_on=date(2027, 1, 31),
            station_code="ZJ-QS",
        )
    )
    store.add_placement("qs-scam", PlacementSpec(kind="poster", location="李家村村委会"))
    store.add_placement("qs-scam", PlacementSpec(kind="leaflet", location="青山集市"))
    days = [0] * 8 + [1] * 6 + [2] * 5 + [3, 4, 5, 6]  # a busy market day, then a trickle
    for n, day in enumerate(days):
        clock["now"] = START + timedelta(days=day, hours=n % 5)
        store.record_arrival(channel="telegram", external_id=f"p{n}", placement_code="poster1")
    for n in range(3):
        store.record_arrival(channel="web", external_id=f"l{n}", placement_code="leaflet1")
    store.record_arrival(channel="web", external_id="forger", placement_code=None)
    with session_scope(sessions) as session:
        farmers = {f.external_id: f.id for f in session.query(Farmer)}
        for n in range(12):
            session.add(
                ConversationTurn(
                    farmer_id=farmers[f"p{n}"],
                    channel="telegram",
                    external_id=f"p{n}",
                    direction="in",
                    text="这条短信说交保证金就放款，是真的吗" if n < 7 else "贷款要抵押吗",
                    intent="check_message" if n < 7 else "ask_loan",
                    topic="scam" if n < 7 else "loan",
                    answered=n != 11,
                    created_at=START + timedelta(days=8),
                )
            )


@pytest.fixture
async def console_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    engine = make_engine(f"sqlite:///{tmp_path / 'report.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    seed(sessions)
    services = ConsoleServices(
        staff=SqlStaff(sessions),
        handoffs=SqlHandoffs(sessions),
        applications=ApplicationStore(sessions, FieldCipher(decode_key(generate_key()))),
        station_applications=SqlStationApplications(sessions),
        outbox=SqlOutbox(sessions),
        transcript=SqlTranscript(sessions),
        stations=load_stations(),
    )
    services.staff.create_user(username="qs", password=PASSWORD, display_name="青山小王", station_code="ZJ-QS")
    console = StaffConsole(services)
    settings = BotSettings(home=tmp_path, campaign_key=generate_campaign_key(), telegram_bot_username="NonghuiBot")
    CampaignParts.build(settings, sessions).install_console(console)
    app = create_web_app(RecordingEngine(), extensions=[console.install])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        engine.dispose()


def screenshot_dir(tmp_path: Path) -> Path:
    home = os.environ.get("NONGHUI_HOME")
    folder = Path(home) / "screenshots" / "campaigns" if home else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_report_page_in_chromium(console_url, tmp_path):  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 1000})
            await page.goto(f"{console_url}/staff/login")
            await page.fill("input[name=username]", "qs")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("#login-button")
            await page.wait_for_url(f"{console_url}/staff/")
            await page.click("text=宣传效果")
            await page.wait_for_url(f"{console_url}/staff/campaigns/report")

            rows = page.locator("#funnel-table tbody tr")
            await expect(rows).to_have_count(2)
            await expect(rows.nth(0)).to_contain_text("李家村村委会")
            cells = await rows.nth(0).locator("td").all_inner_texts()
            assert cells[4:6] == ["23", "12"]  # arrivals, asked
            leaflet = await rows.nth(1).locator("td").all_inner_texts()
            assert leaflet[4] == "<5"
            # Unknown payloads belong to no station: only the all-campaigns report (admins) counts them.
            await expect(page.locator("#unknown-count")).to_have_text("0")

            line = page.locator("#arrivals-chart svg")
            await expect(line).to_be_visible()
            box = await line.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100
            # one point per day from the first arrival (20 Nov) to the last question (28 Nov)
            assert await page.locator("#arrivals-chart svg circle").count() == 9
            await expect(page.locator("#funnel-chart svg rect")).to_have_count(7)
            titles = await page.locator("#arrivals-chart svg circle title").evaluate_all(
                "nodes => nodes.map(node => node.textContent)"
            )
            assert titles[:4] == ["2026-11-20: 8", "2026-11-21: 6", "2026-11-22: 5", "2026-11-23: <5"]
            # Only question turns of at least 5 farmers are listed: the pasted SMS (a message to check, which may
            # carry someone's details) never is, and one farmer's unanswered question stays a count.
            await expect(page.locator("#top-questions li").first).to_contain_text("贷款要抵押吗")
            await expect(page.locator("#top-questions")).not_to_contain_text("交保证金")
            await expect(page.locator("#unanswered-questions")).not_to_contain_text("贷款要抵押吗")

            await page.select_option("select[name=model]", "last")
            await page.click("form.filters button[type=submit]")
            await page.wait_for_url("**model=last**")
            async with page.expect_download() as download_info:
                await page.click("#csv-link")
            download = await download_info.value
            text = Path(await download.path()).read_text(encoding="utf-8-sig")
            assert text.startswith("row,day,campaign") and "李家村村委会" in text

            await page.screenshot(path=str(screenshot_dir(tmp_path) / "campaign-report.png"), full_page=True)
        finally:
            await browser.close()
