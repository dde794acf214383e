"""The chat page in Chromium sends each message with a random id and, when the answer is lost, sends it again
with the same id while showing a polite "sending again" notice; the server applies the message once."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.form_guard import FormGuard
from bot.web import create_web_app
from store.db import make_engine, migrate, session_factory
from store.form_guard import SqlFormGuardStore
from tests.bot.fakes import RecordingEngine

pytestmark = pytest.mark.integration
CHROMIUM = "/usr/bin/chromium"
ID = re.compile(r"^w-[0-9a-f]{32}$")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, RecordingEngine]]:
    """The web app (form guard on SQLite over a recording engine) served by uvicorn on a free port."""
    uvicorn = pytest.importorskip("uvicorn")
    db = make_engine(f"sqlite:///{tmp_path / 'guard.db'}")
    migrate(db)
    engine = RecordingEngine(reply="您好，请问有什么可以帮您？")
    app = create_web_app(FormGuard(engine, SqlFormGuardStore(session_factory(db))))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", engine
    server.should_exit = True
    thread.join(timeout=10)
    db.dispose()


def test_a_message_whose_answer_is_lost_is_sent_again_with_its_id_and_answered_once(served):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    base, engine = served
    sent: list[dict[str, Any]] = []

    def lose_the_first_two_answers_of_each_message(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        sent.append(body)
        response = route.fetch()  # the server receives and answers the message ...
        if sum(1 for b in sent if b.get("message_id") == body.get("message_id")) <= 2:
            route.abort("connectionreset")  # ... but the answer never reaches the page
        else:
            route.fulfill(response=response)

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(locale="zh-CN")
            page.route("**/api/chat", lose_the_first_two_answers_of_each_message)
            page.goto(base + "/")
            sync_api.expect(page.locator("#log .msg.notice.retrying")).to_contain_text("正在重新发送", timeout=30_000)
            sync_api.expect(page.locator("#log .msg.bot").first).to_contain_text("您好", timeout=30_000)
            sync_api.expect(page.locator("#log .msg.notice.retrying")).to_have_count(0)

            page.fill("#message", "没有")
            page.click("#send")
            answers = page.locator("#log .msg.bot:not([role=status])")  # not the typing indicator
            sync_api.expect(answers).to_have_count(2, timeout=30_000)
            sync_api.expect(page.locator("#log .msg.notice")).to_have_count(0)
        finally:
            browser.close()

    greet_ids = [b["message_id"] for b in sent if b["text"] == "/greet"]
    answer_ids = [b["message_id"] for b in sent if b["text"] == "没有"]
    assert len(greet_ids) == 3 and len(set(greet_ids)) == 1 and ID.match(greet_ids[0])
    assert len(answer_ids) == 3 and len(set(answer_ids)) == 1 and answer_ids[0] != greet_ids[0]
    assert [t.text for t in engine.turns] == ["/greet", "没有"]  # each message reached the dialogue once


def test_after_the_last_try_the_page_offers_to_send_the_same_message_again(served):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    base, engine = served
    sent: list[dict[str, Any]] = []
    network_down = [True]

    def flaky_network(route: Any) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        if network_down[0]:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(locale="zh-CN")
            page.route("**/api/chat", flaky_network)
            page.goto(base + "/")
            resend = page.locator("#log .msg.notice button.resend")
            sync_api.expect(resend).to_have_text("重新发送", timeout=30_000)
            sync_api.expect(page.locator("#log .msg.notice").last).to_contain_text("暂时连不上服务器")
            network_down[0] = False
            resend.click()
            sync_api.expect(page.locator("#log .msg.bot").first).to_contain_text("您好", timeout=30_000)
        finally:
            browser.close()

    assert len(sent) == 4 and len({b["message_id"] for b in sent}) == 1
    assert [t.text for t in engine.turns] == ["/greet"]
