"""Decoding what the channels deliver: Telegram OGG/Opus, browser WebM/Opus, WAV and WeChat's AMR-NB."""

from __future__ import annotations

import pytest

from bot.voice.amr import AmrUnreadable, amr_available, decode_amr
from bot.voice.audio import AudioUnreadable, decode_audio, duration_seconds
from tests.bot.voice.clips import amr_bytes, opus_bytes, tone, wav_bytes

needs_amr = pytest.mark.skipif(not amr_available(), reason="libopencore-amrnb is not installed (setup installs it)")


@needs_amr
def test_an_amr_nb_voice_note_decodes_through_opencore_to_16_khz_of_the_same_length():
    amr = amr_bytes(tone(2.0))
    assert amr.startswith(b"#!AMR\n")
    samples = decode_audio(amr)
    assert duration_seconds(samples) == pytest.approx(2.0, abs=0.03)
    assert float(abs(samples).max()) > 0.1  # the tone survived, not silence


@needs_amr
def test_a_truncated_amr_file_keeps_its_whole_frames_and_garbage_is_refused():
    amr = amr_bytes(tone(1.0))
    assert len(decode_amr(amr[:-5])) == len(decode_amr(amr)) - 160
    with pytest.raises(AmrUnreadable):
        decode_amr(b"not amr at all")


@pytest.mark.parametrize("container", ["ogg", "webm"])
def test_opus_recordings_from_telegram_and_the_browser_decode(container: str):
    samples = decode_audio(opus_bytes(tone(1.5), container))
    assert duration_seconds(samples) == pytest.approx(1.5, abs=0.05)


def test_wav_at_another_rate_is_resampled_to_16_khz():
    assert duration_seconds(decode_audio(wav_bytes(tone(1.0, rate=8000), rate=8000))) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("data", [b"", b"hello, not audio", b"#!AMR\n"])
def test_bytes_that_are_no_audio_raise_audio_unreadable(data: bytes):
    with pytest.raises(AudioUnreadable):
        decode_audio(data)
