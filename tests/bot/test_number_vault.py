"""The pipeline stage that puts handles in place of personal numbers before a turn reaches Rasa."""

from __future__ import annotations

import pytest

from bot.messages import BotReply, TurnResult, UserTurn
from bot.number_vault import NumberHandles
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import make_engine, migrate, session_factory
from store.number_drafts import HANDLE, NumberVault
from tests.bot.fakes import RecordingEngine


@pytest.fixture
def vault(tmp_path) -> NumberVault:
    engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    migrate(engine)
    return NumberVault(session_factory(engine), FieldCipher(decode_key(generate_key())))


def turn(text: str, **metadata: object) -> UserTurn:
    return UserTurn(sender_id="web:farmer-1", text=text, channel="web", metadata=metadata)


@pytest.mark.parametrize(
    "typed",
    ["138 1234 5678", "+86-138-1234-5678", "0086 13812345678", "１３８１２３４５６７８", "440882 19740315 1236"],
)
async def test_the_inner_engine_sees_a_handle_and_never_the_number(vault, typed) -> None:
    inner = RecordingEngine()

    await NumberHandles(inner, vault).handle(turn(f"我的号码是{typed}"))

    seen = inner.turns[0].text
    assert HANDLE.search(seen) and not any(ch.isdigit() for ch in seen.replace("１", "1"))
    assert vault.reveal("web:farmer-1", seen) == f"我的号码是{typed}"


async def test_a_shared_contact_reaches_the_inner_engine_as_a_handle(vault) -> None:
    inner = RecordingEngine()

    await NumberHandles(inner, vault).handle(turn("/share_contact", contact_phone="+8613812345678"))

    handle = str(inner.turns[0].metadata["contact_phone"])
    assert HANDLE.fullmatch(handle) and vault.reveal("web:farmer-1", handle) == "+8613812345678"


async def test_handles_in_replies_are_shown_masked(vault) -> None:
    class Echo:
        async def handle(self, turn: UserTurn) -> TurnResult:
            return TurnResult(replies=[BotReply(text=f"您说的是 {turn.text}")], lang="zh")

    result = await NumberHandles(Echo(), vault).handle(turn("13812345678"))

    assert result.replies[0].text == "您说的是 138****5678"


async def test_without_a_working_vault_the_number_is_masked_not_sent(vault) -> None:
    class Broken:
        def seal(self, *args: object) -> str:
            raise RuntimeError("database down")

        def conceal(self, conversation: str, text: str) -> str:
            return text

    inner = RecordingEngine()
    await NumberHandles(inner, Broken()).handle(turn("电话 13812345678", contact_phone="13812345678"))

    assert inner.turns[0].text == "电话 <phone>" and "contact_phone" not in inner.turns[0].metadata


async def test_text_without_personal_numbers_passes_unchanged(vault) -> None:
    inner = RecordingEngine()
    await NumberHandles(inner, vault).handle(turn("借3万3年每年还多少，打96110问问"))
    assert inner.turns[0].text == "借3万3年每年还多少，打96110问问"
