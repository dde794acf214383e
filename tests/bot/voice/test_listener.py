"""The recognition service: long notes refused, bad audio unclear, transcripts corrected, a bounded queue."""

from __future__ import annotations

import asyncio

import numpy as np

from bot.voice.listener import VoiceNotes
from bot.voice.recogniser import Recognition
from knowledge.transcripts import TranscriptCorrector
from tests.bot.voice.clips import ScriptedRecogniser, noise, opus_bytes, tone, wav_bytes


def notes(recogniser: object, **kw: object) -> VoiceNotes:
    return VoiceNotes(recogniser, TranscriptCorrector(lambda text: text.replace("福贫", "扶贫")), **kw)  # type: ignore[arg-type]


async def test_a_clear_note_is_simplified_and_spell_corrected():
    heard = await notes(ScriptedRecogniser("福貧貸款怎麼申請")).listen(opus_bytes(tone(1.0)))
    assert heard.status == "clear"
    assert heard.text == "扶贫贷款怎么申请"
    assert heard.raw == "福貧貸款怎麼申請"


async def test_a_note_the_platform_says_is_over_60_seconds_is_not_even_decoded():
    recogniser = ScriptedRecogniser("不该听")
    heard = await notes(recogniser).listen(b"whatever", seconds=61)
    assert heard.status == "too_long" and heard.text == ""
    assert recogniser.heard_seconds == []


async def test_a_note_over_60_seconds_after_decoding_is_refused():
    recogniser = ScriptedRecogniser("不该听")
    heard = await notes(recogniser).listen(wav_bytes(np.zeros(16_000 * 62, dtype=np.float32)))
    assert heard.status == "too_long"
    assert recogniser.heard_seconds == []


async def test_undecodable_bytes_and_recognitions_without_speech_are_unclear():
    assert (await notes(ScriptedRecogniser("贷款")).listen(b"garbage")).status == "unclear"
    assert (await notes(ScriptedRecogniser("")).listen(wav_bytes(noise(1.0)))).status == "unclear"
    doubtful = ScriptedRecogniser("贷款贷款", avg_logprob=-1.6)
    assert (await notes(doubtful).listen(wav_bytes(noise(1.0)))).status == "unclear"


async def test_more_notes_than_workers_and_queue_places_are_turned_away_not_stacked_up():
    class Slow(ScriptedRecogniser):
        def recognise(self, samples: object, lang: str | None) -> Recognition:
            import time

            time.sleep(0.3)
            return super().recognise(samples, lang)  # type: ignore[arg-type]

    service = notes(Slow("贷款利息多少"), workers=1, queue_limit=1)
    audio = wav_bytes(tone(0.5))
    results = await asyncio.gather(*(service.listen(audio) for _ in range(4)))
    assert sorted(h.status for h in results) == ["busy", "busy", "clear", "clear"]
