"""Offline speech recognition with faster-whisper (CTranslate2 Whisper weights, int8 on the CPU).

The model loads on first use, once per process. A recognition is judged clear or unclear from Whisper's own
signals, so unclear audio is never guessed at: a run that repeats itself (compression ratio), low average
log-probability, a high no-speech probability, no speech left after voice-activity detection, a transcript that
only echoes the hot words (or the prompt) the decoder was primed with, or one that is a string of lone digits.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from core.errors import NonghuiError
from core.lang import Lang

_LOG = logging.getLogger(__name__)

# Thresholds of an unclear recognition (Whisper's usual fall-back limits, a little stricter on log-probability).
MAX_COMPRESSION_RATIO = 2.4
MIN_AVG_LOGPROB = -1.0
MAX_NO_SPEECH_PROB = 0.6
# A clear recognition this sure of itself may be answered directly when it is a plain question.
CONFIDENT_AVG_LOGPROB = -0.4
CONFIDENT_NO_SPEECH_PROB = 0.2
MIN_SPEECH_SECONDS = 0.4
_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)
# Six or more lone digits in a row with gaps between them ("1-3-2-4-4-4", "1 3 1 3 3 3"): what Whisper makes of a
# robotic voice's tones. A number said digit by digit comes out as one run ("13812345678") or in groups.
_LONE_DIGITS = re.compile(r"(?<!\d)(?:\d{1,2}[\s\-–—,，、]+){5,}\d{1,2}(?!\d)")
# The same word of two or more Chinese characters three times in a row ("贷款 贷款 贷款"): the decoder looping on
# audio it cannot hear (primed by the hot words), not something a farmer says.
_LOOP = re.compile(r"([\u4e00-\u9fff]{2,8}?)(?:[\s，,、。]*\1){2,}")


class RecogniserUnavailable(NonghuiError):
    """The speech model is missing or cannot be loaded (setup fetches it into $NONGHUI_HOME/models)."""


@dataclass(frozen=True)
class Recognition:
    """What the recogniser heard and how sure it is (the raw text, before any correction)."""

    text: str
    lang: Lang
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    speech_seconds: float

    @property
    def clear(self) -> bool:
        """Whether the text may be shown to the farmer as what they said (otherwise: ask again, never guess)."""
        return (
            bool(_NOT_TEXT.sub("", self.text))
            and self.speech_seconds >= MIN_SPEECH_SECONDS
            and self.compression_ratio <= MAX_COMPRESSION_RATIO
            and self.avg_logprob >= MIN_AVG_LOGPROB
            and self.no_speech_prob <= MAX_NO_SPEECH_PROB
        )

    @property
    def confident(self) -> bool:
        """Clear and sure enough that a plain question may be answered without asking first."""
        return (
            self.clear and self.avg_logprob >= CONFIDENT_AVG_LOGPROB and self.no_speech_prob <= CONFIDENT_NO_SPEECH_PROB
        )


class Recognises(Protocol):
    """Turns 16 kHz mono samples into text (blocking; called from a worker thread)."""

    def recognise(self, samples: npt.NDArray[np.float32], lang: Lang | None) -> Recognition:
        """What was said in `samples`; `lang` None lets the model tell Chinese from English."""
        ...


def echoes_prompt(text: str, hotwords: str) -> bool:
    """Whether a transcript is nothing but two or more of the hot words the decoder was primed with (Whisper's
    answer to audio it cannot hear); a question made of domain words and others ("扶贫贷款要抵押吗") is not."""
    words = [w for w in hotwords.split() if w]
    if not words:
        return False
    said = _NOT_TEXT.sub("", text)
    if not said:
        return False
    rest = said
    hits = 0
    for word in sorted(words, key=len, reverse=True):
        if word in rest:
            hits += rest.count(word)
            rest = rest.replace(word, "")
    return hits >= 2 and len(rest) <= 1


def garbled(text: str) -> bool:
    """Whether a transcript is a string of lone digits (a robotic or garbled voice) or one word looping three or
    more times, not something said."""
    return _LONE_DIGITS.search(text) is not None or _LOOP.search(text) is not None


def repeats_prompt(text: str, prompt: str, run: int = 6) -> bool:
    """Whether a transcript repeats `run` or more characters of the initial prompt (Whisper echoes it on unclear
    audio)."""
    said = _NOT_TEXT.sub("", text)
    plain = _NOT_TEXT.sub("", prompt)
    return any(plain[i : i + run] in said for i in range(max(0, len(plain) - run + 1))) if len(plain) >= run else False


class WhisperRecogniser:
    """faster-whisper over a CTranslate2 model directory; the model loads on first use (thread-safe)."""

    def __init__(
        self,
        model_path: Path,
        *,
        hotwords: str = "",
        initial_prompt: str = "",
        compute_type: str = "int8",
        cpu_threads: int = 2,
        workers: int = 1,
        beam_size: int = 5,
    ) -> None:
        self._model_path = model_path
        self._hotwords = hotwords
        self._prompt = initial_prompt
        self._compute_type = compute_type
        self._cpu_threads = cpu_threads
        self._workers = workers
        self._beam_size = beam_size
        self._model: Any = None
        self._lock = threading.Lock()

    def with_beam(self, beam_size: int) -> WhisperRecogniser:
        """A recogniser sharing this one's loaded model, decoding with another beam (for measurements)."""
        other = WhisperRecogniser(
            self._model_path,
            hotwords=self._hotwords,
            initial_prompt=self._prompt,
            compute_type=self._compute_type,
            cpu_threads=self._cpu_threads,
            workers=self._workers,
            beam_size=beam_size,
        )
        other._model = self._load()
        return other

    def warm_up(self) -> None:
        """Load the model now."""
        self._load()

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    path = Path(self._model_path)
                    if not (path / "model.bin").exists():
                        raise RecogniserUnavailable(f"no speech model at {path} (run scripts/setup.sh)")
                    from faster_whisper import WhisperModel

                    try:
                        self._model = WhisperModel(
                            str(path),
                            device="cpu",
                            compute_type=self._compute_type,
                            cpu_threads=self._cpu_threads,
                            num_workers=self._workers,
                            local_files_only=True,
                        )
                    except Exception as err:
                        raise RecogniserUnavailable(f"cannot load the speech model: {type(err).__name__}") from None
                    _LOG.info("speech model loaded (%s, %s)", path.name, self._compute_type)
        return self._model

    def recognise(self, samples: npt.NDArray[np.float32], lang: Lang | None) -> Recognition:
        """Transcribe with voice-activity detection and the domain hot words; never loops on unclear audio."""
        model = self._load()
        segments, info = model.transcribe(
            samples,
            language=lang,
            beam_size=self._beam_size,
            vad_filter=True,
            vad_parameters={"min_silence_duration_ms": 500},
            hotwords=self._hotwords or None,
            initial_prompt=self._prompt or None,
            condition_on_previous_text=False,
            temperature=(0.0, 0.4),
            compression_ratio_threshold=MAX_COMPRESSION_RATIO,
            log_prob_threshold=MIN_AVG_LOGPROB,
            no_speech_threshold=MAX_NO_SPEECH_PROB,
            without_timestamps=True,
        )
        parts = list(segments)
        text = "".join(s.text for s in parts).strip()
        heard_lang: Lang = "en" if info.language == "en" else "zh"
        speech = float(getattr(info, "duration_after_vad", info.duration) or 0.0)
        if not parts:
            return Recognition("", heard_lang, -10.0, 1.0, 0.0, speech)
        weights = np.array([max(1, len(s.tokens)) for s in parts], dtype=np.float64)
        avg_logprob = float(np.average([s.avg_logprob for s in parts], weights=weights))
        no_speech = float(max(s.no_speech_prob for s in parts))
        compression = float(max(s.compression_ratio for s in parts))
        if echoes_prompt(text, self._hotwords) or repeats_prompt(text, self._prompt) or garbled(text):
            avg_logprob = min(avg_logprob, MIN_AVG_LOGPROB - 1.0)
        return Recognition(text, heard_lang, avg_logprob, no_speech, compression, speech)
