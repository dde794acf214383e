import logging
import re

import pytest
from fastapi.testclient import TestClient

from bot.conversation import Conversation
from bot.messages import BotReply, Button, IntentInfo, SourceRef, TurnResult, UserTurn
from bot.web import create_web_app
from tests.bot.fakes import API_HEADERS, RecordingEngine, trusted_identity


class RichEngine:
    """Answers with a reply carrying buttons and sources, and records the turns."""

    def __init__(self) -> None:
        self.turns: list[UserTurn] = []

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.turns.append(turn)
        reply = BotReply(
            text="脱贫户可申请小额信贷。",
            buttons=[Button(title="怎么申请", payload="/apply_loan")],
            sources=[SourceRef(title="小额信贷政策", locator="第1节", url=None)],
        )
        return TurnResult(replies=[reply], intent=IntentInfo(name="ask_loan", confidence=0.88), lang="zh")


class BrokenEngine:
    async def handle(self, turn: UserTurn) -> TurnResult:
        raise RuntimeError(f"bug while handling {turn.text}")


@pytest.fixture
def engine() -> RichEngine:
    return RichEngine()


@pytest.fixture
def client(engine: RichEngine) -> TestClient:
    return TestClient(create_web_app(engine, identity=trusted_identity()), headers=API_HEADERS)


def test_chat_response_has_exactly_the_documented_shape(client: TestClient) -> None:
    response = client.post("/api/chat", json={"sender_id": "abc", "text": "我想贷款", "lang": None})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"replies", "intent", "lang", "scam"}
    assert body["scam"] is None
    assert body["lang"] in ("zh", "en")
    assert set(body["intent"]) == {"name", "confidence"}
    assert isinstance(body["intent"]["name"], str)
    assert isinstance(body["intent"]["confidence"], float)
    [reply] = body["replies"]
    assert set(reply) == {"text", "buttons", "sources"}
    assert isinstance(reply["text"], str)
    assert reply["buttons"] == [{"title": "怎么申请", "payload": "/apply_loan"}]
    assert reply["sources"] == [{"title": "小额信贷政策", "locator": "第1节", "url": None}]


def test_intent_is_null_when_the_engine_has_none() -> None:
    client = TestClient(create_web_app(RecordingEngine(intent=None), identity=trusted_identity()), headers=API_HEADERS)

    body = client.post("/api/chat", json={"sender_id": "abc", "text": "hi"}).json()

    assert body["intent"] is None


def test_turn_gets_web_prefix_channel_explicit_lang_and_start_payload(client: TestClient, engine: RichEngine) -> None:
    client.post(
        "/api/chat",
        json={"sender_id": "abc", "text": "/greet", "lang": "en", "start_payload": "station_7"},
    )

    [turn] = engine.turns
    assert turn.sender_id == "web:abc"
    assert turn.channel == "web"
    assert turn.lang == "en"
    assert turn.metadata == {"start_payload": "station_7"}


def test_turn_without_start_payload_has_no_metadata(client: TestClient, engine: RichEngine) -> None:
    client.post("/api/chat", json={"sender_id": "abc", "text": "贷款"})

    assert engine.turns[0].metadata == {}
    assert engine.turns[0].lang is None


def test_text_over_10000_characters_is_refused_with_413_bilingual_json(client: TestClient, engine: RichEngine) -> None:
    response = client.post("/api/chat", json={"sender_id": "abc", "text": "贷" * 10_001})

    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "text_too_long"
    assert "10000" in body["message"]["zh"]
    assert "10000" in body["message"]["en"]
    assert engine.turns == []


def test_text_of_exactly_10000_characters_is_accepted_and_cut_by_conversation() -> None:
    engine = RecordingEngine()
    client = TestClient(
        create_web_app(Conversation(engine, max_chars=1000), identity=trusted_identity()), headers=API_HEADERS
    )

    long_text = "贷款利率多少？" * 1428 + "贷款利率"
    assert len(long_text) == 10_000

    response = client.post("/api/chat", json={"sender_id": "abc", "text": long_text})

    assert response.status_code == 200
    assert len(engine.turns[0].text) <= 1000


def test_oversized_body_is_refused_with_413_before_reading(client: TestClient) -> None:
    response = client.post(
        "/api/chat",
        content=b'{"sender_id": "abc", "text": "' + b"a" * 400_000 + b'"}',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["error"] == "text_too_long"


def test_trusted_call_without_sender_id_is_422_json(client: TestClient) -> None:
    response = client.post("/api/chat", json={"text": "贷款"})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "sender_id_required"


@pytest.mark.parametrize("sender_id", ["", "x" * 129])
def test_sender_id_length_is_validated(client: TestClient, sender_id: str) -> None:
    assert client.post("/api/chat", json={"sender_id": sender_id, "text": "hi"}).status_code == 422


def test_unknown_lang_is_422(client: TestClient) -> None:
    assert client.post("/api/chat", json={"sender_id": "a", "text": "hi", "lang": "fr"}).status_code == 422


def test_malformed_json_body_is_422_json(client: TestClient) -> None:
    response = client.post("/api/chat", content=b"{not json", headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")


def test_unexpected_error_is_a_polite_json_500_and_logged_without_phone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(
        create_web_app(BrokenEngine(), identity=trusted_identity()), headers=API_HEADERS, raise_server_exceptions=False
    )
    caplog.set_level(logging.ERROR)

    response = client.post("/api/chat", json={"sender_id": "a", "text": "我的电话13812345678"})

    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "internal_error"
    assert body["message"]["zh"] and body["message"]["en"]
    assert "RuntimeError" in caplog.text
    assert "13812345678" not in caplog.text


def test_healthz_reports_ok(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_503_until_what_loads_at_start_is_loaded() -> None:
    from bot.web.app import create_app

    loaded = {"done": False}
    client = TestClient(create_app(ready=lambda: loaded["done"]))

    warming = client.get("/readyz")
    loaded["done"] = True
    ready = client.get("/readyz")

    assert warming.status_code == 503 and client.get("/healthz").status_code == 200
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_chat_page_is_served_at_root_with_the_chat_ui(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    markers = ['id="log"', 'id="composer"', 'id="message"', 'id="lang-toggle"', "/static/chat.js", "chat.css"]
    for marker in markers:
        assert marker in page
    assert "https://" not in page  # no CDN: the machine is offline
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/static/chat.js", "javascript", "/api/chat"),
        ("/static/chat.css", "text/css", ".msg"),
    ],
)
def test_static_assets_are_served(client: TestClient, path: str, content_type: str, marker: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert marker in response.text


def test_chat_script_never_uses_inner_html(client: TestClient) -> None:
    script = client.get("/static/chat.js").text

    assert re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", script) is None
    assert "textContent" in script


def test_openapi_documents_the_chat_request_and_response(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()

    operation = schema["paths"]["/api/chat"]["post"]
    ok_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok_schema["$ref"].endswith("ChatResponse")
    components = schema["components"]["schemas"]
    assert set(components["ChatRequest"]["properties"]) == {"sender_id", "text", "lang", "start_payload", "message_id"}
    assert set(components["ChatResponse"]["properties"]) == {"replies", "intent", "lang", "scam"}
    assert "413" in operation["responses"]


def test_malformed_body_that_is_not_utf8_is_422_not_500(client: TestClient) -> None:
    body = b"\xff\xfe"  # not UTF-8, not JSON

    response = client.post("/api/chat", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert response.json()["detail"]


def test_validation_errors_never_echo_what_was_sent(client: TestClient) -> None:
    response = client.post("/api/chat", json={"sender_id": "a", "text": "我的电话13812345678", "lang": "fr"})

    assert response.status_code == 422
    assert "13812345678" not in response.text
    assert response.json()["detail"][0]["loc"] == ["body", "lang"]
