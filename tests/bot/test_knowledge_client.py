"""The Rasa-down fallback's knowledge base: the action server's service over HTTP, never a model in the bot."""

import json

import httpx
import pytest

from bot.knowledge_client import RemoteKnowledge, action_base_url


def remote(handler) -> RemoteKnowledge:  # type: ignore[no-untyped-def]
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return RemoteKnowledge("http://actions.test:5055", "sekret", client=client)


def test_asks_the_action_server_with_its_secret_and_returns_the_answer() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {
            "text": "每户最多5万元。",
            "confident": True,
            "topic": "loan",
            "sources": [{"title": "小额信贷", "locator": "§2", "url": None}],
        }
        return httpx.Response(200, json=body)

    answer = remote(handle).answer("最多能贷多少", lang="zh")

    assert str(seen[0].url) == "http://actions.test:5055/nonghui/answer"
    assert seen[0].headers["X-Nonghui-Action-Token"] == "sekret"
    assert json.loads(seen[0].content) == {"question": "最多能贷多少", "lang": "zh"}
    assert (answer.text, answer.confident, answer.topic) == ("每户最多5万元。", True, "loan")
    assert [(s.title, s.locator, s.url) for s in answer.sources] == [("小额信贷", "§2", None)]


def test_a_follow_up_carries_the_previous_question_to_the_action_server() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"text": "3年", "confident": True, "sources": []})

    remote(handle).answer("那要几年还清", lang="zh", previous="小额信贷能借几万")

    assert json.loads(seen[0].content) == {"question": "那要几年还清", "lang": "zh", "previous": "小额信贷能借几万"}


@pytest.mark.parametrize(
    "response",
    [httpx.Response(401, json={"error": "unauthorised"}), httpx.Response(200, content=b"<html>")],
)
def test_an_action_server_that_cannot_answer_gives_an_empty_unconfident_answer(response: httpx.Response) -> None:
    answer = remote(lambda request: response).answer("保险", lang="zh")

    assert (answer.text, answer.confident) == ("", False)


def test_unreachable_action_server_is_logged_in_one_line(caplog: pytest.LogCaptureFixture) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    answer = remote(handle).answer("保险", lang="zh")

    assert answer.text == "" and not answer.confident
    assert "Traceback" not in caplog.text and "unavailable" in caplog.text


def test_base_url_comes_from_the_webhook_url() -> None:
    assert action_base_url("http://127.0.0.1:5055/webhook") == "http://127.0.0.1:5055"
