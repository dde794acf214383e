"""A farmer scans a loan poster: the real bot (PTB against the fake Bot API), Rasa and actions, one database.

The funnel report then counts the arrival, the question, the started and the submitted pre-application, and
the pre-application carries the poster as first- and last-touch placement. A forged link greets normally and
is counted as unknown.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from bot.campaigns.keys import decode_campaign_key, generate_campaign_key
from bot.campaigns.payloads import PayloadSigner, new_placement_code
from store.campaign_report import CampaignReports
from store.campaigns import CampaignSpec, CampaignStore, PlacementSpec, PlacementView
from store.db import make_engine, session_factory
from tests.fakes.telegram_api import FakeTelegramServer, SentCall
from tests.integration.preapplication_stack import FormStack, sync_sample_stations

pytestmark = pytest.mark.integration
CHAT = 616161
FORGER = 626262
KEY = generate_campaign_key()


@pytest.fixture(scope="module")
def campaign_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FormStack, FakeTelegramServer, PlacementView]]:
    server = FakeTelegramServer().start()
    stack = FormStack(tmp_path_factory.mktemp("campaign-tg"))
    sync_sample_stations(stack.database_url)
    engine = make_engine(stack.database_url)
    store = CampaignStore(session_factory(engine), new_code=new_placement_code)
    today = date.today()
    store.add_campaign(
        CampaignSpec(
            slug="qs-loan",
            name="小额信贷进村",
            organiser="县农商行",
            topic="loan",
            starts_on=today - timedelta(days=7),
            ends_on=today + timedelta(days=30),
            station_code="ZJ-QS",
        )
    )
    placement = store.add_placement("qs-loan", PlacementSpec(kind="poster", location="东岭村村委会"))
    engine.dispose()
    stack.start_all({"NONGHUI_CAMPAIGN_KEY": KEY})
    stack.start_bot(
        "bot-telegram",
        {
            "TELEGRAM_BOT_TOKEN": server.token,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "NONGHUI_CAMPAIGN_KEY": KEY,
        },
    )
    yield stack, server, placement
    stack.stop_all()
    server.stop()


def messages(server: FakeTelegramServer, chat: int) -> list[SentCall]:
    return [c for c in server.sent if c.method == "sendMessage" and c.chat_id == chat]


def wait_for(server: FakeTelegramServer, chat: int, after: int, contains: str, timeout: float = 90) -> SentCall:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = next((m for m in messages(server, chat)[after:] if contains in (m.text or "")), None)
        if found is not None:
            return found
        time.sleep(0.1)
    pytest.fail(f"no message containing {contains!r}: {[m.text for m in messages(server, chat)]}")


def buttons(call: SentCall) -> list[str]:
    return [str(b.get("callback_data")) for row in call.keyboard for b in row]


def say(server: FakeTelegramServer, text: str, expect: str) -> SentCall:
    before = len(messages(server, CHAT))
    server.push_text(CHAT, text)
    return wait_for(server, CHAT, before, expect)


def test_poster_arrival_question_and_pre_application_are_counted(campaign_stack):  # type: ignore[no-untyped-def]
    stack, server, placement = campaign_stack
    payload = PayloadSigner(decode_campaign_key(KEY)).sign(placement.code)

    server.push_command(CHAT, "/start", payload)
    greeting = wait_for(server, CHAT, 0, "欢迎扫码来问贷款")
    assert "/apply_loan" in buttons(greeting)

    say(server, "贷款要抵押吗", "抵押")
    say(server, "我想申请贷款", "第 1 步")
    say(server, "王秀英", "第 2 步")
    say(server, "138 1234 5678", "第 3 步")
    say(server, "440882197403151236", "第 4 步")
    say(server, "东岭村", "第 5 步")
    say(server, "脱贫户", "第 6 步")
    say(server, "放牛的", "想借多少钱")
    say(server, "3w", "想借多久")
    say(server, "两年", "第 9 步")
    summary = say(server, "没有", "您同意吗")
    assert summary
    confirm = say(server, "同意", "4408**********1236")  # the summary, with masked ID and the send button
    confirm_payload = next(
        str(b.get("callback_data")) for row in confirm.keyboard for b in row if "确认提交" in str(b.get("text"))
    )
    before = len(messages(server, CHAT))
    server.push_callback(CHAT, confirm_payload)
    wait_for(server, CHAT, before, "ZJ-")

    with sqlite3.connect(stack.work / "nonghui.db") as conn:
        (attribution,) = conn.execute("select first_placement_id, last_placement_id from application_attributions")
    assert attribution == (placement.id, placement.id)

    engine = make_engine(stack.database_url)
    try:
        report = CampaignReports(session_factory(engine)).funnel(campaign="qs-loan")
    finally:
        engine.dispose()
    (funnel,) = report.placements
    assert (funnel.arrivals, funnel.asked, funnel.started, funnel.submitted) == (1, 1, 1, 1)
    assert funnel.questions_by_topic["loan"] >= 1


def test_forged_link_greets_normally_and_counts_as_unknown(campaign_stack):  # type: ignore[no-untyped-def]
    stack, server, placement = campaign_stack
    server.push_command(FORGER, "/start", f"{placement.code}-aaaaaaaaaa")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not messages(server, FORGER):
        time.sleep(0.1)
    (greeting,) = messages(server, FORGER)[:1]
    assert "欢迎扫码" not in (greeting.text or "") and "/ask_loan" in buttons(greeting)
    with sqlite3.connect(stack.work / "nonghui.db") as conn:
        outcomes = [row[0] for row in conn.execute("select outcome from campaign_arrivals order by id")]
    assert "unknown" in outcomes
