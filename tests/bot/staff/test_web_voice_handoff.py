"""A web-chat recording sent during a hand-off reaches the staff as audio plus its transcript, and goes with a
data deletion like a photo's file id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.handoff.gate import HandoffGate, HandoffOptions
from bot.staff.console import ConsoleServices, StaffConsole
from bot.voice.gate import VoiceReadBack
from bot.voice.listener import VoiceNotes
from bot.web.app import create_web_app
from bot.web.identity import WebIdentity, api_key_headers
from bot.web.voice_api import voice_router
from knowledge.transcripts import TranscriptCorrector
from loans.stations import StationMatcher, load_stations
from store.applications import ApplicationStore
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import session_scope
from store.handoff_audio import SqlHandoffAudio
from store.handoffs import SqlHandoffs
from store.models import HandoffAudio, HandoffMessage
from store.outbox import SqlOutbox
from store.staff import SqlStaff
from store.station_applications import SqlStationApplications
from store.transcript import SqlTranscript
from tests.bot.fakes import RecordingEngine
from tests.bot.staff.conftest import login
from tests.bot.voice.clips import ScriptedRecogniser, opus_bytes, tone
from tests.clock import Clock

API_KEY = "integration-key-" + "v" * 24
TUESDAY_10 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CHAT = "web-farmer-9"


@pytest.fixture
def services(sessions):
    cipher = FieldCipher(decode_key(generate_key()))
    return ConsoleServices(
        staff=SqlStaff(sessions),
        handoffs=SqlHandoffs(sessions),
        applications=ApplicationStore(sessions, cipher),
        station_applications=SqlStationApplications(sessions),
        outbox=SqlOutbox(sessions),
        transcript=SqlTranscript(sessions),
        stations=load_stations(),
        audio=SqlHandoffAudio(sessions, cipher),
    )


@pytest.fixture
def web(services):
    """The web chat's voice route over read-back → hand-off gate, and the staff console, in one app."""
    inner = RecordingEngine(reply="机器人的回答")
    gate = HandoffGate(
        inner,
        services.handoffs,
        matcher=StationMatcher(load_stations()),
        options=HandoffOptions(),
        clock=Clock(TUESDAY_10),
    )
    dialogue = VoiceReadBack(gate, services.handoffs)
    identity = WebIdentity.ephemeral(api_key=API_KEY)
    voice = VoiceNotes(ScriptedRecogniser("我家的猪病了，怎么办"), TranscriptCorrector())
    console = StaffConsole(services)

    def mount(app):
        app.include_router(voice_router(dialogue, voice, identity, handoffs=services.handoffs, audio=services.audio))
        console.install(app)

    app = create_web_app(dialogue, [mount], identity=identity)
    with TestClient(app, follow_redirects=False) as client:
        yield client, dialogue, inner


def farmer_messages(services):
    with session_scope(services.handoffs._sessions) as session:
        rows = session.scalars(select(HandoffMessage).where(HandoffMessage.direction == "farmer"))
        return [(m.id, m.handoff_id, m.text, m.media_type, m.media_ref) for m in rows]


async def test_a_web_recording_in_a_hand_off_reaches_staff_as_audio_and_transcript(web, services, accounts):
    client, dialogue, inner = web
    from bot.messages import UserTurn

    await dialogue.handle(UserTurn(sender_id=f"web:{CHAT}", text="/human_handoff", channel="web", lang="zh"))
    recording = opus_bytes(tone(1.2), "webm")

    answer = client.post(
        f"/api/voice?sender_id={CHAT}",
        content=recording,
        headers={**api_key_headers(API_KEY), "content-type": "audio/webm;codecs=opus"},
    )

    assert answer.status_code == 200 and inner.turns == []  # no read-back, nothing to the bot: it goes to staff
    [(message_id, handoff_id, text, media_type, media_ref)] = farmer_messages(services)
    assert (text, media_type) == ("我家的猪病了，怎么办", "voice") and media_ref.startswith("audio:")
    assert services.audio.open(handoff_id, media_ref) == (recording, "audio/webm")
    login(client, "admin")
    page = client.get(f"/staff/handoffs/{handoff_id}")
    assert f'src="/staff/handoffs/{handoff_id}/audio/{message_id}"' in page.text and "我家的猪病了" in page.text
    played = client.get(f"/staff/handoffs/{handoff_id}/audio/{message_id}")
    assert played.status_code == 200 and played.content == recording
    assert played.headers["content-type"] == "audio/webm"

    services.applications.delete_farmer_data(channel="web", external_id=CHAT)

    with session_scope(services.handoffs._sessions) as session:
        assert session.scalar(select(func.count()).select_from(HandoffAudio)) == 0
    assert client.get(f"/staff/handoffs/{handoff_id}/audio/{message_id}").status_code == 404


def test_a_web_recording_outside_a_hand_off_is_not_kept(web, services):
    client, _, _ = web
    client.post(f"/api/voice?sender_id={CHAT}", content=opus_bytes(tone(1.0), "webm"), headers=api_key_headers(API_KEY))
    with session_scope(services.handoffs._sessions) as session:
        assert session.scalar(select(func.count()).select_from(HandoffAudio)) == 0
