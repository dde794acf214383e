"""Campaign links through the web chat: the real bot, Rasa and action server; the page itself in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.campaigns.keys import decode_campaign_key, generate_campaign_key
from bot.campaigns.payloads import PayloadSigner, new_placement_code
from store.campaign_report import CampaignReports
from store.campaigns import CampaignSpec, CampaignStore, PlacementSpec, PlacementView
from store.db import make_engine, migrate, session_factory
from tests.integration.conftest import Proc, Stack, chat

pytestmark = pytest.mark.integration
KEY = generate_campaign_key()
CHROMIUM = "/usr/bin/chromium"
NAME = "bot-campaign-web"


@pytest.fixture(scope="module")
def campaign_web(
    stack: Stack, start_bot: Callable[..., tuple[str, Proc]], logs_dir: Path
) -> tuple[str, PlacementView, str]:
    database_url = f"sqlite:///{logs_dir / f'{NAME}.db'}"  # the file start_bot gives this bot
    engine = make_engine(database_url)
    migrate(engine)
    store = CampaignStore(session_factory(engine), new_code=new_placement_code)
    today = date.today()
    store.add_campaign(
        CampaignSpec(
            slug="web-scam",
            name="防骗海报",
            organiser="县公安局",
            topic="scam",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=60),
        )
    )
    placement = store.add_placement("web-scam", PlacementSpec(kind="poster", location="集市"))
    engine.dispose()
    base, _ = start_bot(NAME, {"NONGHUI_RASA_URL": stack.rasa_url, "NONGHUI_CAMPAIGN_KEY": KEY})
    return base, placement, database_url


def payload_of(placement: PlacementView) -> str:
    return PayloadSigner(decode_campaign_key(KEY)).sign(placement.code)


def test_scam_poster_greets_with_the_message_check_and_counts_the_farmer(campaign_web):  # type: ignore[no-untyped-def]
    base, placement, database_url = campaign_web
    greeting = chat(base, "camp-web-1", "/greet", start_payload=payload_of(placement))
    first = greeting["replies"][0]
    assert "可疑" in first["text"] and first["buttons"][0]["payload"] == "/check_message"

    asked = chat(base, "camp-web-1", first["buttons"][0]["payload"])
    assert asked["replies"], "tapping the check button gets a prompt"
    verdict = chat(base, "camp-web-1", "【扶贫办】您的补贴已到账，请先交200元手续费激活，点击 http://t.cn/x 领取")
    assert verdict["replies"] and verdict["scam"] is not None  # the pasted message was checked

    for sender, odd in (("camp-web-2", payload_of(placement)[:-1] + "x"), ("camp-web-3", "<b>" * 60)):
        normal = chat(base, sender, "/greet", start_payload=odd)
        assert "可疑" not in normal["replies"][0]["text"]
        assert [b["payload"] for b in normal["replies"][0]["buttons"]][:1] == ["/ask_loan"]

    engine = make_engine(database_url)
    try:
        report = CampaignReports(session_factory(engine)).funnel()
    finally:
        engine.dispose()
    (funnel,) = [f for f in report.placements if f.placement_code == placement.code]
    assert (funnel.arrivals, funnel.asked) == (1, 1)
    assert funnel.questions_by_topic["scam"] == 1
    assert report.unknown_arrivals == 2


def test_chat_page_opened_from_the_web_link_shows_the_campaign_greeting(campaign_web):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    base, placement, _ = campaign_web
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"{base}/?start={payload_of(placement)}")
            first_button = page.locator("#log button.choice").first
            sync_api.expect(first_button).to_have_text("帮我查可疑消息", timeout=60_000)
            sync_api.expect(page.locator("#log")).to_contain_text("把内容发给我")
        finally:
            browser.close()
