"""On Telegram, photos and voice notes sent during a hand-off go to the staff (file_id kept), not the polite reply."""

from __future__ import annotations

import pytest

from bot.telegram import build_telegram_application, start_polling, stop
from tests.bot.fakes import RecordingEngine
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.telegram_ports import InMemorySeenUpdates, RecordingContacts

CHAT = 515


class OpenFor:
    """A hand-off store stub: conversations in `open_chats` are with a person."""

    def __init__(self, open_chats: set[str]) -> None:
        self.open_chats = open_chats

    def open_for(self, channel: str, external_id: str):
        return object() if channel == "telegram" and external_id in self.open_chats else None


@pytest.fixture
def fake_api():
    server = FakeTelegramServer().start()
    yield server
    server.stop()


@pytest.fixture
def engine():
    return RecordingEngine(reply="")


@pytest.fixture
async def bot(fake_api, engine):
    app = build_telegram_application(
        token=fake_api.token,
        api_base_url=fake_api.base_url,
        dialogue=engine,
        seen=InMemorySeenUpdates(),
        contacts=RecordingContacts(),
        handoffs=OpenFor({str(CHAT)}),
    )
    await start_polling(app)
    yield app
    await stop(app)


async def wait_for_turns(engine, count):
    import asyncio

    for _ in range(200):
        if len(engine.turns) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} turns, got {len(engine.turns)}")


async def test_media_during_a_handoff_reaches_the_dialogue_with_its_file_id(bot, fake_api, engine):
    fake_api.push_raw(fake_api.voice_update(CHAT))
    fake_api.push_photo(CHAT)
    fake_api.push_photo(CHAT, caption="这是我的房子")
    await wait_for_turns(engine, 3)
    kept = [(t.text, t.metadata.get("media_type"), t.metadata.get("media_ref")) for t in engine.turns]
    assert kept == [("", "voice", "voice"), ("", "photo", "photo-large"), ("这是我的房子", "photo", "photo-large")]
    assert not any("只能看懂文字" in (c.text or "") for c in fake_api.messages(CHAT))


async def test_media_without_a_handoff_still_gets_the_polite_reply(bot, fake_api, engine):
    other = CHAT + 1
    fake_api.push_raw(fake_api.voice_update(other))
    reply = await fake_api.wait_for_sent(lambda c: c.chat_id == other)
    assert "文字" in reply.text and engine.turns == []


async def test_a_voice_note_during_a_handoff_reaches_staff_as_audio_plus_transcript_without_a_read_back(fake_api):
    from bot.voice.gate import VoiceReadBack
    from bot.voice.listener import VoiceNotes
    from knowledge.transcripts import TranscriptCorrector
    from tests.bot.voice.clips import ScriptedRecogniser, opus_bytes, tone

    handoffs = OpenFor({str(CHAT)})
    staff_side = RecordingEngine(reply="")
    app = build_telegram_application(
        token=fake_api.token,
        api_base_url=fake_api.base_url,
        dialogue=VoiceReadBack(staff_side, handoffs),
        seen=InMemorySeenUpdates(),
        contacts=RecordingContacts(),
        handoffs=handoffs,
        voice=VoiceNotes(ScriptedRecogniser("我家的猪病了"), TranscriptCorrector()),
    )
    await start_polling(app)
    try:
        fake_api.add_file("note-9", opus_bytes(tone(1.0)))
        fake_api.push_raw(fake_api.voice_update(CHAT, file_id="note-9", duration=1))
        await wait_for_turns(staff_side, 1)
    finally:
        await stop(app)
    (turn,) = staff_side.turns
    assert (turn.text, turn.metadata["media_type"], turn.metadata["media_ref"]) == ("我家的猪病了", "voice", "note-9")
    assert not any("我听到的是" in (c.text or "") for c in fake_api.messages(CHAT))
