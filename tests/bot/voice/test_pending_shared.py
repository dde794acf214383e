"""The read-back's pending transcripts live in the state every bot worker shares, sealed, with an expiry."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from bot.messages import UserTurn
from bot.voice.gate import CONFIRM_PAYLOAD, VoiceReadBack
from bot.voice.listener import VOICE_KEY, Heard
from bot.voice.pending import SCOPE, PendingTranscript, SharedPendingTranscripts
from store.channel_state import SqlChannelState
from store.crypto import FieldCipher
from store.db import make_engine, migrate, session_factory, session_scope
from tests.bot.fakes import RecordingEngine

SENDER = "tg:77"
SAID = "我的电话是13812345678"


@pytest.fixture
def clock():
    return [datetime(2026, 12, 4, 12, 0, tzinfo=UTC)]


@pytest.fixture
def state(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    migrate(engine)
    yield SqlChannelState(session_factory(engine), clock=lambda: clock[0])
    engine.dispose()


@pytest.fixture
def cipher():
    return FieldCipher(secrets.token_bytes(32))


def voice_turn(text: str) -> UserTurn:
    heard = Heard("clear", text=text, confident=True)
    return UserTurn(sender_id=SENDER, text=text, channel="telegram", metadata={VOICE_KEY: heard.metadata()})


def tap() -> UserTurn:
    return UserTurn(sender_id=SENDER, text=CONFIRM_PAYLOAD, channel="telegram")


async def test_a_second_worker_takes_the_tap_on_a_transcript_read_back_by_the_first(state, cipher):
    first_inner, second_inner = RecordingEngine(), RecordingEngine(reply="好的")
    first = VoiceReadBack(first_inner, pending=SharedPendingTranscripts(state, cipher))
    second = VoiceReadBack(second_inner, pending=SharedPendingTranscripts(state, cipher))
    asked = await first.handle(voice_turn(SAID))
    assert asked.replies[0].buttons[0].payload == CONFIRM_PAYLOAD
    answered = await second.handle(tap())
    assert [t.text for t in second_inner.turns] == [SAID] and first_inner.turns == []
    assert answered.replies[0].text == "好的"
    again = await first.handle(tap())  # the double tap on the other worker finds nothing to send
    assert "过期" in again.replies[0].text and first_inner.turns == []


async def test_the_stored_transcript_is_sealed_so_its_number_is_not_readable(state, cipher):
    gate = VoiceReadBack(RecordingEngine(), pending=SharedPendingTranscripts(state, cipher))
    await gate.handle(voice_turn(SAID))
    stored = state.get(SCOPE, SENDER)
    assert stored is not None
    assert "13812345678" not in stored and "电话" not in stored
    other_key = SharedPendingTranscripts(state, FieldCipher(secrets.token_bytes(32)))
    assert other_key.take(SENDER) is None  # it opens only with the data key


def test_a_pending_transcript_expires(state, cipher, clock):
    pending = SharedPendingTranscripts(state, cipher, ttl_seconds=60)
    pending.keep(SENDER, PendingTranscript("贷款要抵押吗", "zh", 2.0))
    clock[0] += timedelta(seconds=61)
    assert pending.take(SENDER) is None


def test_a_new_note_replaces_the_unconfirmed_one(state, cipher):
    pending = SharedPendingTranscripts(state, cipher)
    pending.keep(SENDER, PendingTranscript("第一句", "zh", 1.0))
    pending.keep(SENDER, PendingTranscript("第二句", "zh", 1.0))
    assert pending.take(SENDER) == PendingTranscript("第二句", "zh", 1.0)
    assert pending.take(SENDER) is None


async def test_expired_pending_transcripts_leave_the_database_when_the_state_is_purged(state, cipher, clock):
    import asyncio

    from bot.shared_state import purge_expired_values
    from store.models import ChannelStateEntry

    pending = SharedPendingTranscripts(state, cipher, ttl_seconds=60)
    pending.keep(SENDER, PendingTranscript("我的电话是13812345678", "zh", 2.0))
    clock[0] += timedelta(seconds=61)
    job = asyncio.create_task(purge_expired_values(state, 3600))
    for _ in range(200):
        with session_scope(state._sessions) as session:
            if session.get(ChannelStateEntry, (SCOPE, SENDER)) is None:
                break
        await asyncio.sleep(0.01)
    job.cancel()
    with session_scope(state._sessions) as session:
        assert session.get(ChannelStateEntry, (SCOPE, SENDER)) is None


async def test_a_data_deletion_drops_the_transcript_waiting_for_confirmation(state, cipher):
    from core.intents import Intent

    inner = RecordingEngine()
    gate = VoiceReadBack(inner, pending=SharedPendingTranscripts(state, cipher))
    await gate.handle(voice_turn(SAID))
    await gate.handle(UserTurn(sender_id=SENDER, text=Intent.CONFIRM_DELETE_DATA.payload, channel="telegram"))
    assert state.get(SCOPE, SENDER) is None
    late = await gate.handle(tap())
    assert "过期" in late.replies[0].text and SAID not in [t.text for t in inner.turns]
