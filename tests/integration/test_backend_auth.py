"""The Rasa server and the action server answer only callers that know their secrets (issue 13, item 3)."""

from __future__ import annotations

import httpx

from tests.integration.conftest import ACTION_SECRET, RASA_TOKEN, Stack

TURN = "/webhooks/nonghui/turn"


def test_the_nonghui_channel_refuses_a_turn_without_the_token(stack: Stack) -> None:
    body = {"sender": "web:auth-1", "message": "/confirm_delete_data"}

    missing = httpx.post(f"{stack.rasa_url}{TURN}", json=body, timeout=60)
    wrong = httpx.post(f"{stack.rasa_url}{TURN}", json=body, headers={"X-Nonghui-Token": "guess"}, timeout=60)

    assert (missing.status_code, wrong.status_code) == (401, 401)


def test_one_round_trip_gives_replies_intent_and_language(stack: Stack) -> None:
    body = {"sender": "web:auth-2", "message": "hello", "metadata": {"lang": "en", "channel": "web"}}

    answer = httpx.post(f"{stack.rasa_url}{TURN}", json=body, headers={"X-Nonghui-Token": RASA_TOKEN}, timeout=120)

    assert answer.status_code == 200
    payload = answer.json()
    assert payload["intent"]["name"] == "greet" and payload["lang"] == "en"
    assert any(message.get("text") for message in payload["messages"])


def test_the_stock_rest_channel_is_not_served(stack: Stack) -> None:
    body = {"sender": "web:auth-3", "message": "hi"}

    response = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)

    assert response.status_code == 404


def test_rasa_api_needs_the_token(stack: Stack) -> None:
    assert httpx.post(f"{stack.rasa_url}/model/parse", json={"text": "hi"}, timeout=60).status_code == 401
    ok = httpx.post(f"{stack.rasa_url}/model/parse", params={"token": RASA_TOKEN}, json={"text": "hi"}, timeout=60)
    assert ok.status_code == 200


def test_the_action_server_refuses_calls_without_its_secret(stack: Stack) -> None:
    call = {"next_action": "action_delete_farmer_data", "sender_id": "web:auth-4", "tracker": {}, "domain": {}}

    refused = httpx.post(f"{stack.action_url}/webhook", json=call, timeout=60)
    answer = httpx.post(f"{stack.action_url}/nonghui/answer", json={"question": "保险怎么买", "lang": "zh"}, timeout=60)
    allowed = httpx.post(
        f"{stack.action_url}/nonghui/answer",
        json={"question": "农业保险怎么买", "lang": "zh"},
        headers={"X-Nonghui-Action-Token": ACTION_SECRET},
        timeout=120,
    )

    assert (refused.status_code, answer.status_code) == (401, 401)
    assert allowed.status_code == 200 and allowed.json()["confident"] and allowed.json()["text"]
    assert httpx.get(f"{stack.action_url}/health", timeout=30).status_code == 200
