"""A web message sent again with the same client message id is answered once: the second POST gets the first
answer and the dialogue never sees the message twice (the page's retry after a lost answer)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.form_guard import FormGuard
from bot.web import create_web_app
from store.db import make_engine, migrate, session_factory
from store.form_guard import SqlFormGuardStore
from tests.bot.fakes import RecordingEngine


class CountingEngine(RecordingEngine):
    """Numbers its answers, so a repeated answer can be told from a new one."""

    async def handle(self, turn):  # type: ignore[no-untyped-def]
        self.reply = f"第 {len(self.turns) + 1} 个回答"
        return await super().handle(turn)


@pytest.fixture
def engine() -> CountingEngine:
    return CountingEngine()


@pytest.fixture
def browser(tmp_path: Path, engine: CountingEngine) -> TestClient:
    """A browser-like client (known by its chat cookie) in front of the form guard on SQLite."""
    db = make_engine(f"sqlite:///{tmp_path / 'guard.db'}")
    migrate(db)
    return TestClient(create_web_app(FormGuard(engine, SqlFormGuardStore(session_factory(db)))))


def test_a_message_sent_again_with_its_id_gets_the_first_answer_and_is_applied_once(browser, engine):
    first = browser.post("/api/chat", json={"text": "没有", "message_id": "w-0123456789abcdef"})
    again = browser.post("/api/chat", json={"text": "没有", "message_id": "w-0123456789abcdef"})

    assert first.status_code == again.status_code == 200
    assert again.json()["replies"] == first.json()["replies"]
    assert [t.text for t in engine.turns] == ["没有"]


def test_the_same_text_under_a_new_id_is_a_new_message(browser, engine):
    browser.post("/api/chat", json={"text": "没有", "message_id": "w-aaaaaaaaaaaaaaaa"})
    second = browser.post("/api/chat", json={"text": "没有", "message_id": "w-bbbbbbbbbbbbbbbb"})

    assert len(engine.turns) == 2
    assert second.json()["replies"][0]["text"] == "第 2 个回答"


def test_ids_are_per_chat_so_another_browser_reusing_an_id_is_answered_afresh(tmp_path, browser, engine):
    browser.post("/api/chat", json={"text": "您好", "message_id": "w-cccccccccccccccc"})
    other = TestClient(browser.app)

    answer = other.post("/api/chat", json={"text": "您好", "message_id": "w-cccccccccccccccc"})

    assert len(engine.turns) == 2 and answer.json()["replies"][0]["text"] == "第 2 个回答"


@pytest.mark.parametrize("bad", ["has space", "x" * 65, "引号"])
def test_a_malformed_message_id_is_refused(browser, bad):
    assert browser.post("/api/chat", json={"text": "您好", "message_id": bad}).status_code == 422
