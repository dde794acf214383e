"""Audio bytes from any channel → 16 kHz mono float samples for the recogniser.

Telegram voice (OGG/Opus), audio files (MP3, M4A, WAV) and the web page's recordings (WebM/Opus) go through PyAV;
WeChat's AMR-NB goes through libopencore-amrnb (bot/voice/amr.py), since PyAV's own AMR decoder fails on it.
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt

from bot.voice.amr import AMR_RATE, decode_amr, is_amr
from core.errors import NonghuiError

SAMPLE_RATE = 16_000


class AudioUnreadable(NonghuiError):
    """The bytes are no audio the bot can decode (or a decoder library is missing)."""


def decode_audio(data: bytes) -> npt.NDArray[np.float32]:
    """16 kHz mono samples in [-1, 1] of an audio file's bytes; raises AudioUnreadable."""
    if not data:
        raise AudioUnreadable("empty audio")
    try:
        if is_amr(data):
            return resample(decode_amr(data).astype(np.float32) / 32768.0, AMR_RATE, SAMPLE_RATE)
        return _decode_with_pyav(data)
    except AudioUnreadable:
        raise
    except Exception as err:  # PyAV and ctypes raise many kinds of errors for broken files
        raise AudioUnreadable(f"cannot decode audio: {type(err).__name__}") from None


def resample(samples: npt.NDArray[np.float32], source_rate: int, target_rate: int) -> npt.NDArray[np.float32]:
    """Samples at `target_rate` by linear interpolation (enough for speech going from 8 to 16 kHz)."""
    if source_rate == target_rate or len(samples) == 0:
        return samples.astype(np.float32)
    length = round(len(samples) * target_rate / source_rate)
    positions = np.arange(length, dtype=np.float64) * source_rate / target_rate
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def duration_seconds(samples: npt.NDArray[np.float32]) -> float:
    """Length of 16 kHz samples in seconds."""
    return len(samples) / SAMPLE_RATE


def _decode_with_pyav(data: bytes) -> npt.NDArray[np.float32]:
    import av

    chunks: list[npt.NDArray[np.float32]] = []
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise AudioUnreadable("no audio stream")
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.float32) / 32768.0)
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1).astype(np.float32) / 32768.0)
    if not chunks:
        raise AudioUnreadable("no audio frames")
    return np.concatenate(chunks)
