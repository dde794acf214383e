"""Audio made at test time: tones, noise, OGG/WebM Opus and AMR encodings, and espeak-ng's robot voice."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave

import numpy as np
import numpy.typing as npt

from bot.voice.amr import encode_amr
from bot.voice.audio import SAMPLE_RATE, resample
from bot.voice.recogniser import Recognition


def tone(seconds: float, *, rate: int = SAMPLE_RATE, hz: float = 220.0) -> npt.NDArray[np.float32]:
    """A quiet sine tone."""
    t = np.arange(int(seconds * rate), dtype=np.float64) / rate
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def noise(seconds: float, *, seed: int = 7) -> npt.NDArray[np.float32]:
    """White noise at 16 kHz."""
    return np.random.default_rng(seed).normal(0.0, 0.2, int(seconds * SAMPLE_RATE)).clip(-1, 1).astype(np.float32)


def wav_bytes(samples: npt.NDArray[np.float32], rate: int = SAMPLE_RATE) -> bytes:
    """A 16-bit mono WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((samples * 32767).astype(np.int16).tobytes())
    return out.getvalue()


def opus_bytes(samples: npt.NDArray[np.float32], container: str = "ogg") -> bytes:
    """OGG/Opus (a Telegram voice note) or WebM/Opus (a browser recording) of 16 kHz samples."""
    import av

    pcm = (resample(samples, SAMPLE_RATE, 48_000) * 32767).astype(np.int16).reshape(1, -1)
    out = io.BytesIO()
    with av.open(out, "w", format=container) as box:
        stream = box.add_stream("libopus", rate=48_000)
        stream.layout = "mono"  # type: ignore[union-attr]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = 48_000
        for packet in stream.encode(frame):  # type: ignore[union-attr]
            box.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            box.mux(packet)
    return out.getvalue()


def amr_bytes(samples: npt.NDArray[np.float32]) -> bytes:
    """An AMR-NB file (a WeChat voice note) of 16 kHz samples."""
    return encode_amr((resample(samples, SAMPLE_RATE, 8000) * 32767).astype(np.int16))


def espeak_wav(text: str) -> bytes | None:
    """espeak-ng's Mandarin robot voice saying `text` (None when espeak-ng is not installed)."""
    if shutil.which("espeak-ng") is None:
        return None
    done = subprocess.run(["espeak-ng", "-v", "cmn", "--stdout", text], capture_output=True, check=True, timeout=60)
    return done.stdout


class ScriptedRecogniser:
    """A recogniser double: answers every note with one scripted recognition and records what it got."""

    def __init__(self, text: str = "", *, avg_logprob: float = -0.2, no_speech_prob: float = 0.01) -> None:
        self.text = text
        self.avg_logprob = avg_logprob
        self.no_speech_prob = no_speech_prob
        self.heard_seconds: list[float] = []

    def recognise(self, samples: npt.NDArray[np.float32], lang: str | None) -> Recognition:
        """The scripted text, as if heard in `samples`."""
        seconds = len(samples) / SAMPLE_RATE
        self.heard_seconds.append(seconds)
        return Recognition(self.text, "zh", self.avg_logprob, self.no_speech_prob, 1.0, seconds if self.text else 0.0)
