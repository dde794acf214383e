"""A farmer's question through the web API → real Rasa → real action server → knowledge index, and back."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import API_HEADERS, chat, free_port

pytestmark = pytest.mark.integration


def test_chinese_loan_question_is_answered_with_amount_and_source(web: str):
    body = chat(web, "e2e-zh", "脱贫户的小额信贷最多能贷多少钱？")
    assert body["lang"] == "zh"
    assert body["intent"]["name"] == "ask_loan"
    answer = body["replies"][0]
    assert "5万" in answer["text"]
    assert answer["sources"], "an answer must cite its source"
    assert answer["sources"][0]["title"]
    assert all(len(b["payload"].encode()) <= 64 for b in answer["buttons"])


def test_typo_daikuan_still_reaches_the_loan_answer(web: str):
    body = chat(web, "e2e-typo", "代款要抵押吗")
    assert body["intent"]["name"] == "ask_loan"
    assert body["replies"][0]["text"].startswith("不要。")
    assert "抵押" in body["replies"][0]["sources"][0]["locator"]


def test_english_question_gets_an_english_answer(web: str):
    body = chat(web, "e2e-en", "Do I need collateral for the microcredit?")
    assert body["lang"] == "en"
    assert body["intent"]["name"] == "ask_loan"
    answer = body["replies"][0]
    assert answer["text"].startswith("No.")
    assert "collateral" in answer["text"]
    assert answer["sources"][0]["title"].isascii()


def test_language_is_remembered_for_emoji_and_switchable_by_request(web: str):
    chat(web, "e2e-lang", "How do I report a crop loss to the insurer?")
    assert chat(web, "e2e-lang", "👍")["lang"] == "en"
    assert chat(web, "e2e-lang", "hello", lang="zh")["lang"] == "zh"


def test_greeting_offers_topic_buttons(web: str):
    body = chat(web, "e2e-greet", "/greet", start_payload="poster_village_a")
    payloads = [b["payload"] for reply in body["replies"] for b in reply["buttons"]]
    assert "/ask_loan" in payloads
    assert "/ask_scam" in payloads


def test_out_of_scope_question_is_declined_honestly(web: str):
    body = chat(web, "e2e-oos", "明天我们村下不下雨")
    texts = " ".join(r["text"] for r in body["replies"])
    assert body["intent"] is None or body["intent"]["name"] in {"out_of_scope", "nlu_fallback"}
    assert "5万" not in texts
    assert body["replies"], "the farmer must get a reply"


def test_bad_input_gets_polite_replies_not_errors(web: str):
    empty = chat(web, "e2e-bad", "   ")
    assert empty["replies"][0]["text"]
    long = chat(web, "e2e-bad", "贷款能贷多少？" + "啊" * 5000)
    assert long["replies"][0]["text"]
    too_long = httpx.post(
        f"{web}/api/chat", json={"sender_id": "x", "text": "a" * 10_001, "lang": None}, headers=API_HEADERS
    )
    assert too_long.status_code == 413
    assert too_long.json()["message"]["zh"]


def test_rasa_down_still_gets_a_retrieval_answer(start_bot, stack):  # type: ignore[no-untyped-def]
    # The bot asks the action server's knowledge service (it loads no embedding model of its own).
    action_port = stack.action_url.rsplit(":", 1)[1]
    env = {"NONGHUI_RASA_URL": f"http://127.0.0.1:{free_port()}", "NONGHUI_ACTION_PORT": action_port}
    base, _ = start_bot("bot-no-rasa", env)
    body = chat(base, "e2e-down", "小额信贷最多能贷多少")
    assert body["intent"] is None
    texts = "\n".join(r["text"] for r in body["replies"])
    assert "5万" in texts
    assert any(r["sources"] for r in body["replies"])


def test_repayment_question_gets_a_calculated_schedule(web: str):
    body = chat(web, "e2e-calc", "借3万3年每年还多少")
    text = body["replies"][0]["text"]
    assert "30,000" in text
    assert "等额本息" in text


def test_rasa_and_action_server_down_get_the_polite_apology(start_bot):  # type: ignore[no-untyped-def]
    env = {"NONGHUI_RASA_URL": f"http://127.0.0.1:{free_port()}", "NONGHUI_ACTION_PORT": str(free_port())}
    base, _ = start_bot("bot-nothing-behind", env)
    body = chat(base, "e2e-all-down", "小额信贷最多能贷多少")
    assert body["intent"] is None
    assert "96110" in body["replies"][0]["text"]
