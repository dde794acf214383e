"""Forwarded messages through the real PTB Application and the fake Bot API: checked for scams, not answered."""

from __future__ import annotations

from typing import Any

import pytest

from bot.scam_shield import ScamShield
from knowledge.scam.detector import ScamDetector
from knowledge.scam.rate import LprConfig
from knowledge.scam.rules import RuleSet
from tests.bot.telegram.doubles import ScriptedDialogue
from tests.fakes.telegram_api import FakeTelegramServer

CHAT = 5151
SCAM_SMS = "【惠民贷】您的贷款已审批通过，因卡号填写错误资金被冻结，请先缴纳3000元解冻费，否则无法放款。"


@pytest.fixture
def inner() -> ScriptedDialogue:
    return ScriptedDialogue()


@pytest.fixture
def dialogue(inner: ScriptedDialogue) -> ScamShield:
    """The Telegram channel talks to the scam shield in front of a scripted dialogue (rules-only detector)."""
    detector = ScamDetector(RuleSet.from_yaml(), model=None, lpr=LprConfig.from_yaml())
    return ScamShield(inner, detector)


def to_chat(call: Any) -> bool:
    return bool(call.method == "sendMessage" and call.chat_id == CHAT)


async def test_forwarded_scam_text_gets_the_warning_with_two_buttons_and_no_answer(
    polling_bot: Any, fake_api: FakeTelegramServer, inner: ScriptedDialogue
) -> None:
    fake_api.push_forwarded(CHAT, SCAM_SMS)

    call = await fake_api.wait_for_sent(to_chat)

    assert call.text is not None
    assert call.text.startswith("⚠️ 诈骗风险：高")
    assert "96110" in call.text
    assert len(call.keyboard) == 2
    assert inner.turns == []


async def test_forwarded_photo_caption_is_checked_too(
    polling_bot: Any, fake_api: FakeTelegramServer, inner: ScriptedDialogue
) -> None:
    fake_api.push_forwarded(CHAT, caption=SCAM_SMS)

    call = await fake_api.wait_for_sent(to_chat)

    assert (call.text or "").startswith("⚠️ 诈骗风险")
    assert inner.turns == []


async def test_forwarded_harmless_text_gets_the_stay_careful_reply(
    polling_bot: Any, fake_api: FakeTelegramServer, inner: ScriptedDialogue
) -> None:
    fake_api.push_forwarded(CHAT, "明天上午九点村委会开会，讨论修水渠的事，每户来一个人。")

    call = await fake_api.wait_for_sent(to_chat)

    assert (call.text or "").startswith("✅ 这条消息里没有发现已知的诈骗信号")
    assert inner.turns == []


async def test_typed_scam_text_is_warned_about_and_still_answered(
    polling_bot: Any, fake_api: FakeTelegramServer, inner: ScriptedDialogue
) -> None:
    fake_api.push_text(CHAT, SCAM_SMS)

    await fake_api.wait_for_sent(lambda call: to_chat(call) and (call.text or "").startswith("echo:"))

    texts = [call.text or "" for call in fake_api.messages(CHAT)]
    assert texts[0].startswith("⚠️ 诈骗风险")
    assert texts[1] == f"echo: {SCAM_SMS}"
    assert inner.turns[0].metadata == {}
