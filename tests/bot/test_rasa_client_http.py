"""RasaDialogue against a real HTTP server that speaks the Nonghui input channel and Rasa's parse API."""

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.conversation import Conversation
from bot.fallback import ResilientDialogue
from bot.messages import UserTurn
from bot.rasa_client import RasaDialogue

pytestmark = pytest.mark.integration


def fake_rasa() -> Starlette:
    """A Rasa look-alike with the Nonghui channel: echoes the language, splits text+buttons and sources in two."""
    last: dict[str, dict] = {}

    async def turn(request: Request) -> JSONResponse:
        if request.headers.get("X-Nonghui-Token") != "tok":
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        body = await request.json()
        last[body["sender"]] = body
        lang = body["metadata"].get("lang") or "zh"
        messages = [
            {"recipient_id": body["sender"], "text": f"echo:{body['message']}", "buttons": []},
            {"recipient_id": body["sender"], "custom": {"sources": [{"title": "指南", "locator": lang}]}},
        ]
        return JSONResponse({"messages": messages, "intent": {"name": "ask_loan", "confidence": 0.7}, "lang": lang})

    async def parse(request: Request) -> JSONResponse:
        if request.query_params.get("token") != "tok":
            return JSONResponse({"message": "unauthorised"}, status_code=401)
        body = await request.json()
        name = "ask_scam" if "96110" in body["text"] else "inform"
        return JSONResponse({"text": body["text"], "intent": {"name": name, "confidence": 0.8}, "entities": []})

    return Starlette(
        routes=[
            Route("/model/parse", parse, methods=["POST"]),
            Route("/webhooks/nonghui/turn", turn, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="module")
def rasa_url() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake_rasa(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.025)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


async def test_real_http_round_trip_gives_replies_sources_intent_and_lang(rasa_url: str) -> None:
    async with httpx.AsyncClient() as http:
        engine = Conversation(ResilientDialogue(RasaDialogue(http, rasa_url, "tok", timeout=5.0), None))
        turn = UserTurn(sender_id="web:farmer-1", text="I need a loan", channel="web", lang="en")

        result = await engine.handle(turn)

    assert [r.text for r in result.replies] == ["echo:I need a loan"]
    assert [(s.title, s.locator) for s in result.replies[0].sources] == [("指南", "en")]
    assert result.intent is not None and result.intent.name == "ask_loan"
    assert result.lang == "en"


async def test_wrong_token_falls_back_to_the_polite_reply(rasa_url: str) -> None:
    async with httpx.AsyncClient() as http:
        engine = ResilientDialogue(RasaDialogue(http, rasa_url, "wrong", timeout=5.0), None)
        turn = UserTurn(sender_id="web:farmer-2", text="贷款", channel="web")

        result = await engine.handle(turn)

    assert result.intent is None
    assert "96110" in result.replies[0].text


async def test_understand_reads_the_intent_without_a_dialogue_turn(rasa_url: str) -> None:
    async with httpx.AsyncClient() as http:
        rasa = RasaDialogue(http, rasa_url, "tok", timeout=5.0)
        turn = UserTurn(sender_id="web:farmer-3", text="96110是真的吗", channel="web")

        intent = await rasa.understand(turn)
        refused = await RasaDialogue(http, rasa_url, "wrong", timeout=5.0).understand(turn)

    assert intent is not None and (intent.name, intent.confidence) == ("ask_scam", 0.8)
    assert refused is None
