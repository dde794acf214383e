"""`VoiceNotes`: the recognition service every channel calls with a voice note's bytes.

Decoding and recognition run off the event loop in a bounded pool (at most one decode per worker, a waiting line
with a limit); the transcript is tidied and spell-corrected (knowledge/transcripts.py). The audio is dropped when
the call returns: a channel keeps its own reference (e.g. Telegram's file_id) only for a hand-off.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from bot.voice.audio import AudioUnreadable, decode_audio, duration_seconds
from bot.voice.recogniser import RecogniserUnavailable, Recognises, Recognition
from core.lang import Lang
from knowledge.transcripts import TranscriptCorrector

_LOG = logging.getLogger(__name__)

MAX_SECONDS = 60.0
# Metadata key of a voice turn (UserTurn.metadata["voice"]), read by the read-back stage (bot/voice/gate.py).
VOICE_KEY = "voice"

HeardStatus = Literal["clear", "unclear", "too_long", "busy", "unavailable"]


@dataclass(frozen=True)
class Heard:
    """The outcome of one voice note: the corrected transcript and whether it may be used."""

    status: HeardStatus
    text: str = ""
    raw: str = ""
    confident: bool = False
    seconds: float = 0.0

    def metadata(self) -> dict[str, object]:
        """What a channel puts under `UserTurn.metadata["voice"]` (the transcript itself is the turn's text)."""
        return {"status": self.status, "confident": self.confident, "seconds": round(self.seconds, 1)}


class VoiceNotes:
    """Hears voice notes for every channel: decode → recognise → correct, in a bounded worker pool."""

    def __init__(
        self,
        recogniser: Recognises,
        corrector: TranscriptCorrector,
        *,
        workers: int = 1,
        queue_limit: int = 8,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self._recogniser = recogniser
        self._corrector = corrector
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="voice")
        self._limit = max(1, workers) + max(0, queue_limit)
        self._in_flight = 0
        self._max_seconds = max_seconds

    @property
    def max_seconds(self) -> float:
        """Notes longer than this are not recognised; the farmer is asked for a shorter one."""
        return self._max_seconds

    async def listen(self, audio: bytes, *, lang: Lang | None = None, seconds: float | None = None) -> Heard:
        """What the farmer said in `audio` (any format the channels deliver); never raises for bad audio.

        `seconds`: the length the platform reports, if any (a long note is then refused before decoding)."""
        if seconds is not None and seconds > self._max_seconds:
            return Heard("too_long", seconds=seconds)
        if self._in_flight >= self._limit:
            _LOG.warning("voice note refused: %d already waiting", self._in_flight)
            return Heard("busy")
        self._in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._hear, audio, lang)
        finally:
            self._in_flight -= 1

    def _hear(self, audio: bytes, lang: Lang | None) -> Heard:
        try:
            samples = decode_audio(audio)
        except AudioUnreadable as err:
            _LOG.info("voice note not decodable: %s", err)
            return Heard("unclear")
        seconds = duration_seconds(samples)
        if seconds > self._max_seconds:
            return Heard("too_long", seconds=seconds)
        try:
            heard: Recognition = self._recogniser.recognise(samples, "zh" if lang != "en" else None)
        except RecogniserUnavailable as err:
            _LOG.error("voice note not recognised: %s", err)
            return Heard("unavailable", seconds=seconds)
        if not heard.clear:
            return Heard("unclear", raw=heard.text, seconds=seconds)
        text = self._corrector.correct(heard.text) if heard.lang == "zh" else heard.text.strip()
        return Heard("clear", text=text, raw=heard.text, confident=heard.confident, seconds=seconds)

    def close(self) -> None:
        """Stop the worker threads (waits for a recognition under way)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
