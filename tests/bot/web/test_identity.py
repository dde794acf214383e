"""The web chat knows a browser by a signed chat id it issued (HttpOnly cookie), and integrations by the API key."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.limits import MemoryRateLimiter
from bot.web.app import create_app, create_web_app
from bot.web.identity import CHAT_COOKIE, WebIdentity
from bot.web.messages_api import messages_router
from store.db import make_engine, migrate, session_factory
from store.outbox import NewMessage, SqlOutbox
from tests.bot.fakes import API_HEADERS, RecordingEngine, trusted_identity


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def identity() -> WebIdentity:
    return trusted_identity()


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[SqlOutbox]:
    db = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    migrate(db)
    yield SqlOutbox(session_factory(db))
    db.dispose()


@pytest.fixture
def browser(engine: RecordingEngine, identity: WebIdentity, outbox: SqlOutbox) -> TestClient:
    def messages(app: FastAPI) -> None:
        app.include_router(messages_router(outbox, identity))

    return TestClient(create_web_app(engine, [messages], identity=identity), base_url="http://testserver")


def _chat_id(identity: WebIdentity, client: TestClient) -> str:
    chat_id = identity.read(client.cookies.get(CHAT_COOKIE))
    assert chat_id
    return chat_id


def test_chat_page_sets_an_httponly_strict_cookie_with_a_random_id_of_at_least_128_bits(
    browser: TestClient, identity: WebIdentity
) -> None:
    response = browser.get("/")

    header = response.headers["set-cookie"]
    assert header.startswith(f"{CHAT_COOKIE}=")
    assert "httponly" in header.lower() and "samesite=strict" in header.lower()
    chat_id = _chat_id(identity, browser)
    assert len(base64.urlsafe_b64decode(chat_id + "=" * (-len(chat_id) % 4))) * 8 >= 128
    assert chat_id not in response.text and "sender_id" not in str(response.url)


def test_browser_turns_use_the_issued_id_and_keep_it(
    browser: TestClient, engine: RecordingEngine, identity: WebIdentity
) -> None:
    first = browser.post("/api/chat", json={"text": "/greet"})
    second = browser.post("/api/chat", json={"text": "贷款"})

    assert first.status_code == 200 and second.status_code == 200
    chat_id = _chat_id(identity, browser)
    assert [turn.sender_id for turn in engine.turns] == [f"web:{chat_id}", f"web:{chat_id}"]
    assert "set-cookie" not in second.headers  # the same chat goes on


def test_browser_choosing_its_own_sender_id_is_refused(browser: TestClient, engine: RecordingEngine) -> None:
    response = browser.post("/api/chat", json={"sender_id": "someone-else", "text": "/confirm_delete_data"})

    assert response.status_code == 401
    assert response.json()["error"] == "api_key_required"
    assert response.json()["message"]["zh"] and response.json()["message"]["en"]
    assert engine.turns == []


def test_forged_cookie_is_not_honoured(browser: TestClient, engine: RecordingEngine) -> None:
    response = browser.post(
        "/api/chat", json={"text": "我的申请怎么样了"}, headers={"cookie": f"{CHAT_COOKIE}=victim-chat-id"}
    )

    assert response.status_code == 200
    assert engine.turns[0].sender_id != "web:victim-chat-id"
    assert CHAT_COOKIE in response.headers["set-cookie"]


def test_cookie_signed_with_another_key_is_not_honoured(browser: TestClient, engine: RecordingEngine) -> None:
    foreign_id, foreign = WebIdentity.ephemeral().issue()
    response = browser.post("/api/chat", json={"text": "hi"}, headers={"cookie": f"{CHAT_COOKIE}={foreign}"})

    assert response.status_code == 200
    assert engine.turns[0].sender_id != f"web:{foreign_id}"
    assert CHAT_COOKIE in response.headers["set-cookie"]  # a new chat of its own


def test_wrong_api_key_is_refused(browser: TestClient, engine: RecordingEngine) -> None:
    response = browser.post(
        "/api/chat", json={"sender_id": "x", "text": "hi"}, headers={"Authorization": "Bearer not-the-key"}
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_api_key"
    assert engine.turns == []


def test_no_api_key_configured_refuses_every_bearer(engine: RecordingEngine) -> None:
    client = TestClient(create_web_app(engine, identity=WebIdentity.ephemeral()))

    response = client.post("/api/chat", json={"sender_id": "x", "text": "hi"}, headers=API_HEADERS)

    assert response.status_code == 401
    assert engine.turns == []


def test_trusted_integration_keeps_its_sender_id(browser: TestClient, engine: RecordingEngine) -> None:
    response = browser.post("/api/chat", json={"sender_id": "eval-7", "text": "hi"}, headers=API_HEADERS)

    assert response.status_code == 200
    assert engine.turns[0].sender_id == "web:eval-7"
    assert "set-cookie" not in response.headers


def test_messages_for_a_browser_come_from_its_cookie_never_from_the_url(
    browser: TestClient, identity: WebIdentity, outbox: SqlOutbox
) -> None:
    browser.get("/")
    mine = _chat_id(identity, browser)
    outbox.enqueue(NewMessage(channel="web", external_id=mine, kind="staff_reply", text="给您的回复", lang="zh"))
    outbox.enqueue(NewMessage(channel="web", external_id="other", kind="staff_reply", text="别人的", lang="zh"))

    own = browser.get("/api/messages")
    by_url = browser.get("/api/messages", params={"sender_id": "other"})
    stranger = TestClient(browser.app).get("/api/messages")
    trusted = browser.get("/api/messages", params={"sender_id": "other"}, headers=API_HEADERS)

    assert [m["text"] for m in own.json()["messages"]] == ["给您的回复"]
    assert by_url.status_code == 401
    assert stranger.status_code == 401
    assert [m["text"] for m in trusted.json()["messages"]] == ["别人的"]


def test_browser_turns_are_rate_limited_per_chat_with_a_polite_429(engine: RecordingEngine) -> None:
    client = TestClient(create_web_app(engine, identity=trusted_identity(), limiter=MemoryRateLimiter()))

    answers = [client.post("/api/chat", json={"text": f"问题{i}"}) for i in range(21)]

    assert [a.status_code for a in answers[:20]] == [200] * 20
    refused = answers[20]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    body = refused.json()
    assert body["error"] == "too_many_requests"
    assert "您" in body["message"]["zh"] and "wait" in body["message"]["en"]
    assert len(engine.turns) == 20


def test_browser_turns_are_rate_limited_per_ip_across_chats(engine: RecordingEngine) -> None:
    app = create_web_app(engine, identity=trusted_identity(), limiter=MemoryRateLimiter())

    statuses = [TestClient(app).post("/api/chat", json={"text": "hi"}).status_code for _ in range(61)]

    assert statuses[:60] == [200] * 60 and statuses[60] == 429


def test_trusted_integrations_are_not_rate_limited(browser: TestClient) -> None:
    statuses = {
        browser.post("/api/chat", json={"sender_id": "bench", "text": "hi"}, headers=API_HEADERS).status_code
        for _ in range(30)
    }

    assert statuses == {200}


def test_chunked_body_over_the_limit_is_refused_with_413(browser: TestClient, engine: RecordingEngine) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"sender_id": "a", "text": "hi"'
        for _ in range(5 * 16):
            yield b" " * 65_536  # 5 MiB of valid JSON whitespace in all, without a Content-Length
        yield b"}"

    response = browser.post("/api/chat", content=chunks(), headers={"content-type": "application/json", **API_HEADERS})

    assert response.status_code == 413
    assert response.json()["error"] == "text_too_long"
    assert engine.turns == []


def test_interactive_docs_are_off_in_production_only() -> None:
    production = TestClient(create_app(production=True))
    development = TestClient(create_app())

    assert production.get("/docs").status_code == 404
    assert production.get("/redoc").status_code == 404
    assert development.get("/docs").status_code == 200


def test_browser_turns_carry_the_client_address_for_the_abuse_limits_and_trusted_calls_none(
    browser: TestClient, engine: RecordingEngine, identity: WebIdentity
) -> None:
    trusted = TestClient(create_web_app(engine, identity=identity), headers=API_HEADERS)

    browser.post("/api/chat", json={"text": "我要找人"})
    trusted.post("/api/chat", json={"sender_id": "eval-1", "text": "我要找人"})

    assert [turn.client_ip for turn in engine.turns] == ["testclient", None]
    assert all("testclient" not in str(turn.metadata) for turn in engine.turns)  # metadata goes on to Rasa
