"""The scam shield through the real bot process, Rasa, action server and the full detector (rules + model)."""

from __future__ import annotations

import time

import pytest

from tests.fakes.telegram_api import FakeTelegramServer
from tests.integration.conftest import Stack, chat

pytestmark = pytest.mark.integration

SCAM_SMS = "【惠民快贷】您的5万元贷款已审批，因银行卡号填写错误资金被冻结，请先缴纳2000元解冻费，解冻后马上放款。"
BANK_REMINDER = (
    "【信用社】您好，您的惠农贷款本月应还利息186.20元，还款日为本月21日，系统将自动从尾号0932账户扣款，请保证余额充足。"
)
CHAT = 737373


def test_question_with_scam_signs_gets_the_warning_before_the_answer(web: str):
    body = chat(web, "scam-e2e-1", "小额信贷最多能贷多少钱？有人说放款前要先交2000元解冻费，银行卡号填写错误被冻结了")

    assert len(body["replies"]) >= 2
    warning = body["replies"][0]
    assert warning["text"].startswith("⚠️ 诈骗风险：高")
    assert "96110" in warning["text"]
    assert [b["payload"] for b in warning["buttons"]] == ["/ask_scam", "/human_handoff"]
    assert body["scam"]["level"] == "high"
    assert "advance_fee" in body["scam"]["signals"]
    assert not body["replies"][1]["text"].startswith("⚠️")


def test_explicit_check_gets_one_verdict_from_the_check_action(web: str):
    body = chat(web, "scam-e2e-2", f"帮我看看这条短信是不是骗子：{SCAM_SMS}")

    assert body["intent"]["name"] == "check_message"
    warnings = [reply for reply in body["replies"] if reply["text"].startswith("⚠️")]
    assert len(warnings) == 1
    assert "解冻" in warnings[0]["text"]


def test_lender_question_never_calls_an_unknown_lender_legitimate(web: str):
    body = chat(web, "scam-e2e-3", "金满仓快贷正规吗")

    assert body["intent"]["name"] == "ask_lender"
    assert "查不到" in body["replies"][0]["text"]
    assert "绝不能说明它正规" in body["replies"][0]["text"]


def test_pasted_bank_repayment_reminder_gets_no_warning(web: str):
    body = chat(web, "scam-e2e-4", BANK_REMINDER)

    assert body["scam"]["level"] in ("none", "low")
    assert not any(reply["text"].startswith("⚠️") for reply in body["replies"])


def test_button_payload_is_not_scored(web: str):
    greeting = chat(web, "scam-e2e-5", "你好")  # offers the topic buttons; only offered payloads are commands
    assert "/ask_scam" in [b["payload"] for reply in greeting["replies"] for b in reply["buttons"]]
    assert chat(web, "scam-e2e-5", "/ask_scam")["scam"] is None


def test_forwarded_telegram_message_gets_the_assessment(stack: Stack, start_bot):  # type: ignore[no-untyped-def]
    server = FakeTelegramServer().start()
    try:
        start_bot(
            "bot-scam-telegram",
            {
                "NONGHUI_RASA_URL": stack.rasa_url,
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_API_BASE_URL": server.base_url,
            },
        )
        server.push_forwarded(CHAT, SCAM_SMS)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not server.messages(CHAT):
            time.sleep(0.1)
        messages = server.messages(CHAT)
        assert messages, "the bot sent nothing"
        assert (messages[0].text or "").startswith("⚠️ 诈骗风险：高")
        assert len(messages[0].keyboard) == 2
    finally:
        server.stop()
