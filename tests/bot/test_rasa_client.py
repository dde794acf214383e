import json
import socket
from collections.abc import Callable

import httpx
import pytest

from bot.errors import DialogueUnavailable
from bot.messages import SourceRef, UserTurn
from bot.rasa_client import TOKEN_HEADER, TURN_PATH, RasaDialogue, replica_order
from core.errors import NonghuiError

BASE = "http://rasa.test:5005"

Handler = Callable[[httpx.Request], httpx.Response]


def answer(
    messages: list[dict], intent: str | None = "ask_loan", confidence: float = 0.93, lang: str | None = "zh"
) -> dict:
    """What the Nonghui input channel (rasa_ext/channel.py) answers to one turn."""
    return {
        "messages": messages,
        "intent": {"name": intent, "confidence": confidence} if intent else None,
        "lang": lang,
    }


def rasa_handler(body: object, seen: list[httpx.Request]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST" and request.url.path == TURN_PATH:
            return httpx.Response(200, json=body)
        return httpx.Response(404, json={"error": "not found"})

    return handle


def dialogue(handler: Handler, token: str | None = None) -> RasaDialogue:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return RasaDialogue(client, BASE, token, timeout=5.0)


def turn(text: str = "我想贷款", lang: str | None = None, sender: str = "web:abc", **metadata: object) -> UserTurn:
    return UserTurn(sender_id=sender, text=text, channel="web", lang=lang, metadata=metadata)  # type: ignore[arg-type]


async def test_posts_sender_message_and_metadata_to_the_nonghui_channel() -> None:
    seen: list[httpx.Request] = []
    engine = dialogue(rasa_handler(answer([{"recipient_id": "web:abc", "text": "好的"}]), seen))

    await engine.handle(turn("我想贷款", lang="zh", start_payload="station_12"))

    post = seen[0]
    assert post.method == "POST"
    assert str(post.url).startswith(f"{BASE}/webhooks/nonghui/turn")
    assert json.loads(post.content) == {
        "sender": "web:abc",
        "message": "我想贷款",
        "metadata": {"lang": "zh", "channel": "web", "start_payload": "station_12"},
    }


async def test_the_farmers_network_address_never_reaches_rasa() -> None:
    seen: list[httpx.Request] = []
    engine = dialogue(rasa_handler(answer([{"recipient_id": "web:abc", "text": "好的"}]), seen))

    await engine.handle(turn("我要找人").model_copy(update={"client_ip": "203.0.113.7"}))

    assert b"203.0.113.7" not in seen[0].content and b"client_ip" not in seen[0].content


async def test_one_request_per_turn_no_tracker_read() -> None:
    seen: list[httpx.Request] = []
    engine = dialogue(rasa_handler(answer([{"text": "好的"}]), seen))

    await engine.handle(turn())

    assert [(r.method, r.url.path) for r in seen] == [("POST", TURN_PATH)]


async def test_token_is_sent_in_the_channel_header_when_configured() -> None:
    seen: list[httpx.Request] = []
    engine = dialogue(rasa_handler(answer([]), seen), token="s3cret")

    await engine.handle(turn())

    assert seen[0].headers[TOKEN_HEADER] == "s3cret"


async def test_no_token_header_without_token() -> None:
    seen: list[httpx.Request] = []
    engine = dialogue(rasa_handler(answer([]), seen))

    await engine.handle(turn())

    assert TOKEN_HEADER not in seen[0].headers
    assert "token" not in seen[0].url.params


async def test_text_and_buttons_become_one_reply() -> None:
    messages = [
        {
            "recipient_id": "web:abc",
            "text": "您想了解哪种贷款？",
            "buttons": [
                {"title": "小额信贷", "payload": '/ask_loan{"loan_type":"micro"}'},
                {"title": "broken"},
            ],
        }
    ]
    engine = dialogue(rasa_handler(answer(messages), []))

    result = await engine.handle(turn())

    assert len(result.replies) == 1
    reply = result.replies[0]
    assert reply.text == "您想了解哪种贷款？"
    expected = [("小额信贷", '/ask_loan{"loan_type":"micro"}')]
    assert [(b.title, b.payload) for b in reply.buttons] == expected
    assert reply.sources == []


async def test_custom_with_only_sources_attaches_them_to_the_preceding_reply() -> None:
    messages = [
        {"recipient_id": "web:abc", "text": "首先回答", "buttons": []},
        {
            "recipient_id": "web:abc",
            "text": "脱贫户可申请小额信贷。",
            "buttons": [{"title": "更多", "payload": "/more"}],
        },
        {
            "recipient_id": "web:abc",
            "custom": {
                "sources": [
                    {"title": "小额信贷指南", "locator": "第2节", "url": "https://example.org/loan"},
                    {"title": "县农信社", "locator": "", "url": None},
                ]
            },
        },
    ]
    engine = dialogue(rasa_handler(answer(messages), []))

    result = await engine.handle(turn())

    assert [r.text for r in result.replies] == ["首先回答", "脱贫户可申请小额信贷。"]
    assert result.replies[0].sources == []
    assert result.replies[1].sources == [
        SourceRef(title="小额信贷指南", locator="第2节", url="https://example.org/loan"),
        SourceRef(title="县农信社", locator="", url=None),
    ]
    assert [b.payload for b in result.replies[1].buttons] == ["/more"]


async def test_custom_with_its_own_text_becomes_a_reply() -> None:
    messages = [
        {
            "recipient_id": "web:abc",
            "custom": {
                "text": "This looks like a scam.",
                "buttons": [{"title": "Report", "payload": "/report_scam"}],
                "sources": [{"title": "Anti-fraud guide", "locator": "§1"}],
            },
        }
    ]
    engine = dialogue(rasa_handler(answer(messages, lang="en"), []))

    result = await engine.handle(turn("is this a scam", lang="en"))

    assert len(result.replies) == 1
    assert result.replies[0].text == "This looks like a scam."
    assert [b.title for b in result.replies[0].buttons] == ["Report"]
    assert result.replies[0].sources == [SourceRef(title="Anti-fraud guide", locator="§1", url=None)]


async def test_sources_arriving_before_any_reply_go_to_the_next_reply() -> None:
    messages = [
        {"recipient_id": "web:abc", "custom": {"sources": [{"title": "指南", "locator": "1"}]}},
        {"recipient_id": "web:abc", "text": "回答"},
    ]
    engine = dialogue(rasa_handler(answer(messages), []))

    result = await engine.handle(turn())

    assert [s.title for s in result.replies[0].sources] == ["指南"]


async def test_intent_and_lang_come_from_the_channel_answer() -> None:
    engine = dialogue(rasa_handler(answer([{"text": "hi"}], "ask_insurance", 0.81, lang="en"), []))

    result = await engine.handle(turn("保险", lang="zh"))

    assert result.intent is not None
    assert result.intent.name == "ask_insurance"
    assert result.intent.confidence == pytest.approx(0.81)
    assert result.lang == "en"


async def test_lang_falls_back_to_turn_then_detection_then_chinese() -> None:
    engine = dialogue(rasa_handler(answer([{"text": "ok"}], lang=None), []))

    assert (await engine.handle(turn("保险", lang="en"))).lang == "en"
    assert (await engine.handle(turn("how do I apply for a loan"))).lang == "en"
    assert (await engine.handle(turn("👍"))).lang == "zh"


async def test_answer_without_intent_gives_no_intent() -> None:
    engine = dialogue(rasa_handler(answer([{"text": "ok"}], intent=None), []))

    result = await engine.handle(turn())

    assert result.intent is None


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused_raises_dialogue_unavailable() -> None:
    async with httpx.AsyncClient() as client:
        engine = RasaDialogue(client, f"http://127.0.0.1:{closed_port()}", None, timeout=5.0)
        with pytest.raises(DialogueUnavailable):
            await engine.handle(turn())


async def test_timeout_raises_dialogue_unavailable() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    with pytest.raises(DialogueUnavailable, match="timed out"):
        await dialogue(handle).handle(turn())


async def test_server_error_raises_dialogue_unavailable() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="Internal Server Error")

    with pytest.raises(DialogueUnavailable, match="HTTP 500"):
        await dialogue(handle).handle(turn())


async def test_malformed_json_raises_dialogue_unavailable() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>not json", headers={"content-type": "application/json"})

    with pytest.raises(DialogueUnavailable, match="malformed JSON"):
        await dialogue(handle).handle(turn())


async def test_channel_body_without_messages_raises_dialogue_unavailable() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"text": "a REST-channel list"}])

    with pytest.raises(DialogueUnavailable):
        await dialogue(handle).handle(turn())


def test_dialogue_unavailable_is_a_nonghui_error() -> None:
    assert issubclass(DialogueUnavailable, NonghuiError)


async def test_message_text_is_not_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500)

    caplog.set_level("INFO")
    with pytest.raises(DialogueUnavailable):
        await dialogue(handle).handle(turn("我的电话13812345678，身份证110101199003074518"))

    assert "13812345678" not in caplog.text
    assert "110101199003074518" not in caplog.text


def test_replica_order_is_stable_per_sender_and_spreads_senders() -> None:
    urls = ["http://a:5005", "http://b:5005"]

    firsts = {replica_order(f"web:farmer-{n}", urls)[0] for n in range(40)}

    assert replica_order("web:x", urls) == replica_order("web:x", list(reversed(urls)))
    assert firsts == set(urls)


def test_removing_a_replica_moves_only_its_own_senders() -> None:
    urls = ["http://a", "http://b", "http://c"]
    senders = [f"tg:{n}" for n in range(60)]

    before = {s: replica_order(s, urls)[0] for s in senders}
    after = {s: replica_order(s, ["http://a", "http://c"])[0] for s in senders}

    assert all(after[s] == before[s] for s in senders if before[s] != "http://b")


async def test_turn_fails_over_to_the_next_replica_when_one_refuses_connections() -> None:
    urls = ["http://a.test", "http://b.test"]
    sender = next(f"web:f{n}" for n in range(100) if replica_order(f"web:f{n}", urls)[0] == "http://a.test")
    hosts: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "a.test":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=answer([{"text": "来自b"}]))

    clock = [100.0]
    engine = RasaDialogue(
        httpx.AsyncClient(transport=httpx.MockTransport(handle)), urls, None, 5.0, clock=lambda: clock[0]
    )

    first = await engine.handle(turn(sender=sender))
    second = await engine.handle(turn(sender=sender))
    clock[0] += 60  # the failed replica is tried first again after its pause: it takes its share back
    await engine.handle(turn(sender=sender))

    assert [r.text for r in first.replies] == ["来自b"] and [r.text for r in second.replies] == ["来自b"]
    assert hosts == ["a.test", "b.test", "b.test", "a.test", "b.test"]
    assert engine.fail_overs == 2


async def test_read_timeout_is_not_sent_to_another_replica() -> None:
    hosts: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        raise httpx.ReadTimeout("slow", request=request)

    engine = RasaDialogue(httpx.AsyncClient(transport=httpx.MockTransport(handle)), ["http://a", "http://b"], None, 5.0)

    with pytest.raises(DialogueUnavailable, match="timed out"):
        await engine.handle(turn())

    assert len(hosts) == 1
