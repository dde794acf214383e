"""With the real Whisper base model: unclear audio (espeak-ng's robot voice, noise, silence) is never guessed at.

The farmer gets "没听清…" with the topic buttons. Needs the model setup assembles (skipped without it)."""

from __future__ import annotations

import pytest

from bot.messages import UserTurn
from bot.settings import BotSettings
from bot.voice.gate import VoiceReadBack
from bot.voice.listener import VOICE_KEY, VoiceNotes
from bot.voice.recogniser import WhisperRecogniser
from knowledge.transcripts import VOICE_HOTWORDS, TranscriptCorrector
from tests.bot.fakes import RecordingEngine
from tests.bot.voice.clips import amr_bytes, espeak_wav, noise, opus_bytes, wav_bytes

pytestmark = pytest.mark.slow
MODEL = BotSettings().resolved_voice_model_path


@pytest.fixture(scope="module")
def voice() -> VoiceNotes:
    if not (MODEL / "model.bin").exists():
        pytest.skip(f"no speech model at {MODEL} (scripts/setup.sh assembles it)")
    return VoiceNotes(WhisperRecogniser(MODEL, hotwords=VOICE_HOTWORDS), TranscriptCorrector())


async def _answer(voice: VoiceNotes, audio: bytes) -> tuple[str, str, list[str]]:
    heard = await voice.listen(audio, lang="zh")
    inner = RecordingEngine()
    turn = UserTurn(sender_id="tg:1", text=heard.text, channel="telegram", metadata={VOICE_KEY: heard.metadata()})
    result = await VoiceReadBack(inner).handle(turn)
    assert inner.turns == []  # nothing was answered on a guess
    return heard.status, result.replies[0].text, [b.payload for b in result.replies[0].buttons]


async def test_espeak_robot_voice_over_amr_is_answered_with_did_not_catch_that(voice: VoiceNotes):
    robot = espeak_wav("我想申请小额贷款，需要什么材料")
    if robot is None:
        pytest.skip("espeak-ng is not installed (setup installs it)")
    from bot.voice.audio import decode_audio

    status, said, buttons = await _answer(voice, amr_bytes(decode_audio(robot)))
    assert status == "unclear"
    assert said.startswith("没听清")
    assert "/ask_loan" in buttons


@pytest.mark.parametrize("kind", ["noise", "silence"])
async def test_noise_and_silence_are_answered_with_did_not_catch_that(voice: VoiceNotes, kind: str):
    import numpy as np

    samples = noise(3.0) if kind == "noise" else np.zeros(48_000, dtype=np.float32)
    audio = opus_bytes(samples) if kind == "noise" else wav_bytes(samples)
    status, said, _ = await _answer(voice, audio)
    assert status == "unclear"
    assert said.startswith("没听清")
