"""`POST /api/voice`: a recording from the chat page's microphone, heard and read back like on Telegram."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.voice.gate import CONFIRM_PAYLOAD, VoiceReadBack
from bot.voice.listener import VoiceNotes
from bot.web import create_web_app
from bot.web.identity import CHAT_COOKIE, WebIdentity, api_key_headers
from bot.web.schemas import MAX_VOICE_BYTES
from bot.web.voice_api import voice_router
from knowledge.transcripts import TranscriptCorrector
from tests.bot.fakes import RecordingEngine
from tests.bot.voice.clips import ScriptedRecogniser, noise, opus_bytes, tone, wav_bytes


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine(reply="答案")


API_KEY = "integration-key-" + "k" * 24


def client_for(engine: RecordingEngine, recogniser: ScriptedRecogniser | None, *, trusted: bool = True) -> TestClient:
    """A web app with the voice route; `trusted` clients send the API key and name their `sender_id`."""
    dialogue = VoiceReadBack(engine)
    voice = VoiceNotes(recogniser, TranscriptCorrector()) if recogniser else None
    identity = WebIdentity.ephemeral(api_key=API_KEY)

    def mount(app: FastAPI) -> None:
        app.include_router(voice_router(dialogue, voice, identity))

    headers = api_key_headers(API_KEY) if trusted else {}
    return TestClient(create_web_app(dialogue, [mount], identity=identity), headers=headers)


def test_a_webm_recording_is_heard_read_back_and_answered_only_after_confirmation(engine: RecordingEngine):
    client = client_for(engine, ScriptedRecogniser("扶貧貸款能借三萬嗎"))
    response = client.post(
        "/api/voice?sender_id=web-1", content=opus_bytes(tone(1.5), "webm"), headers={"content-type": "audio/webm"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["heard"] == {"status": "clear", "text": "扶贫贷款能借三万吗"}
    assert body["replies"][0]["text"].startswith("我听到的是：「扶贫贷款能借三万吗」")
    assert body["replies"][0]["buttons"][0]["payload"] == CONFIRM_PAYLOAD
    assert engine.turns == []
    confirm = client.post("/api/chat", json={"sender_id": "web-1", "text": CONFIRM_PAYLOAD}).json()
    assert confirm["replies"][0]["text"] == "答案"
    assert [t.text for t in engine.turns] == ["扶贫贷款能借三万吗"]
    assert engine.turns[0].sender_id == "web:web-1"


def test_a_confident_plain_question_is_answered_at_once_with_what_was_heard_on_top(engine: RecordingEngine):
    client = client_for(engine, ScriptedRecogniser("扶貧貸款要抵押嗎"))
    body = client.post("/api/voice?sender_id=web-5", content=wav_bytes(tone(1.0))).json()
    assert [r["text"] for r in body["replies"]] == ["我听到的是：「扶贫贷款要抵押吗」", "答案"]


def test_noise_gets_no_guess_but_a_request_to_say_it_again(engine: RecordingEngine):
    client = client_for(engine, ScriptedRecogniser(""))
    body = client.post("/api/voice?sender_id=web-2", content=wav_bytes(noise(1.0))).json()
    assert body["heard"]["status"] == "unclear"
    assert body["replies"][0]["text"].startswith("没听清")
    assert body["replies"][0]["buttons"]
    assert engine.turns == []


def test_without_a_speech_model_the_farmer_is_asked_to_type(engine: RecordingEngine):
    body = client_for(engine, None).post("/api/voice?sender_id=web-3", content=b"x").json()
    assert body["heard"]["status"] == "unavailable"
    assert "打字" in body["replies"][0]["text"]


def test_a_recording_over_the_size_limit_is_refused_with_413_in_both_languages(engine: RecordingEngine):
    response = client_for(engine, ScriptedRecogniser("贷款")).post(
        "/api/voice?sender_id=web-4", content=b"\0" * (MAX_VOICE_BYTES + 1)
    )
    assert response.status_code == 413
    assert response.json()["error"] == "audio_too_large"
    assert "60" in response.json()["message"]["zh"]


def test_a_missing_or_bad_sender_id_is_a_422(engine: RecordingEngine):
    client = client_for(engine, ScriptedRecogniser("贷款"))
    assert client.post("/api/voice", content=b"x").status_code == 422
    assert client.post("/api/voice?sender_id=a%20b", content=b"x").status_code == 422


def test_a_browser_is_known_by_its_signed_cookie_and_may_not_name_a_chat(engine: RecordingEngine):
    browser = client_for(engine, ScriptedRecogniser("扶貧貸款要抵押嗎"), trusted=False)

    first = browser.post("/api/voice", content=wav_bytes(tone(1.0)))
    named = browser.post("/api/voice?sender_id=web-5", content=wav_bytes(tone(1.0)))

    assert first.status_code == 200 and CHAT_COOKIE in first.cookies
    assert named.status_code == 401
    assert engine.turns and engine.turns[0].sender_id != "web:web-5"
