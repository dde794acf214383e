"""Voice notes on Telegram: fetched through the Bot API (`getFile`, then the download), heard, then read back."""

from __future__ import annotations

from typing import Any

import pytest

from bot.voice.gate import CONFIRM_PAYLOAD, VoiceReadBack
from bot.voice.listener import VOICE_KEY, VoiceNotes
from knowledge.transcripts import TranscriptCorrector
from tests.bot.telegram.doubles import ScriptedDialogue
from tests.bot.voice.clips import ScriptedRecogniser, opus_bytes, tone
from tests.fakes.telegram_api import FakeTelegramServer, SentCall

CHAT = 5151


@pytest.fixture
def recogniser() -> ScriptedRecogniser:
    return ScriptedRecogniser("我想申請貸款")


@pytest.fixture
def dialogue() -> ScriptedDialogue:
    return ScriptedDialogue()


@pytest.fixture
def app_options(recogniser: ScriptedRecogniser, dialogue: ScriptedDialogue) -> dict[str, Any]:
    voice = VoiceNotes(recogniser, TranscriptCorrector())
    # The read-back stage sits in the pipeline; here it wraps the scripted dialogue directly.
    return {"voice": voice, "dialogue": VoiceReadBack(dialogue)}


@pytest.fixture
async def voice_bot(fake_api: FakeTelegramServer, seen: Any, contacts: Any, app_options: dict[str, Any]) -> Any:
    from bot.telegram import build_telegram_application, start_polling, stop

    app = build_telegram_application(
        token=fake_api.token, api_base_url=fake_api.base_url, seen=seen, contacts=contacts, **app_options
    )
    await start_polling(app)
    try:
        yield app
    finally:
        await stop(app)


def reads_back(call: SentCall) -> bool:
    return call.method == "sendMessage" and (call.text or "").startswith("我听到的是")


async def test_a_voice_note_is_downloaded_heard_and_read_back_with_buttons_before_it_is_answered(
    voice_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue, recogniser: ScriptedRecogniser
) -> None:
    fake_api.add_file("note-1", opus_bytes(tone(2.0)))
    fake_api.push_raw(fake_api.voice_update(CHAT, file_id="note-1", duration=2))

    call = await fake_api.wait_for_sent(reads_back)

    assert "「我想申请贷款」" in (call.text or "")
    assert [c.params.get("file_id") for c in fake_api.calls("getFile")] == ["note-1"]
    assert fake_api.downloads == ["voice/note-1"]
    assert recogniser.heard_seconds == [pytest.approx(2.0, abs=0.05)]
    assert dialogue.turns == []  # nothing is done with it yet
    buttons = [b["text"] for row in call.keyboard for b in row]
    assert buttons == ["对", "不对，重说", "打字"]

    fake_api.push_callback(CHAT, call.keyboard[0][0]["callback_data"])
    await fake_api.wait_for_sent(lambda c: c.text == "echo: 我想申请贷款")
    assert dialogue.turns[0].metadata == {"from_voice": True}


async def test_a_voice_note_over_a_minute_is_not_downloaded_and_gets_a_polite_request(
    voice_bot: Any, fake_api: FakeTelegramServer, recogniser: ScriptedRecogniser
) -> None:
    fake_api.push_raw(fake_api.voice_update(CHAT, file_id="long", duration=95))

    call = await fake_api.wait_for_sent(lambda c: c.method == "sendMessage")

    assert "60 秒" in (call.text or "")
    assert fake_api.calls("getFile") == [] and recogniser.heard_seconds == []


async def test_the_voice_turn_carries_its_status_and_no_audio_reference_outside_a_hand_off(
    fake_api: FakeTelegramServer, seen: Any, contacts: Any, recogniser: ScriptedRecogniser
) -> None:
    from bot.telegram import build_telegram_application, start_polling, stop

    inner = ScriptedDialogue()
    app = build_telegram_application(
        token=fake_api.token,
        api_base_url=fake_api.base_url,
        dialogue=inner,
        seen=seen,
        contacts=contacts,
        voice=VoiceNotes(recogniser, TranscriptCorrector()),
    )
    await start_polling(app)
    try:
        fake_api.add_file("note-2", opus_bytes(tone(1.0)))
        fake_api.push_raw(fake_api.voice_update(CHAT, file_id="note-2", duration=1))
        await fake_api.wait_for_sent(lambda c: c.method == "sendMessage")
    finally:
        await stop(app)
    (turn,) = inner.turns
    assert turn.text == "我想申请贷款"
    assert turn.metadata[VOICE_KEY] == {"status": "clear", "confident": True, "seconds": 1.0}
    assert "media_ref" not in turn.metadata
    assert CONFIRM_PAYLOAD.startswith("/")
