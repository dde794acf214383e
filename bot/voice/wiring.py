"""Builds the voice-note service from the bot's settings (nothing loads until the first note)."""

from __future__ import annotations

from collections.abc import Callable

from bot.settings import BotSettings
from bot.voice.listener import VoiceNotes
from bot.voice.recogniser import WhisperRecogniser
from knowledge.transcripts import VOICE_HOTWORDS, TranscriptCorrector


def build_voice_notes(settings: BotSettings, correct_spelling: Callable[[str], str] | None) -> VoiceNotes:
    """The `VoiceNotes` service over the configured speech model and the knowledge base's speller."""
    recogniser = WhisperRecogniser(
        settings.resolved_voice_model_path,
        hotwords=VOICE_HOTWORDS,
        compute_type=settings.voice_compute_type,
        cpu_threads=settings.voice_cpu_threads,
        workers=settings.voice_workers,
        beam_size=settings.voice_beam_size,
    )
    return VoiceNotes(
        recogniser,
        TranscriptCorrector(correct_spelling),
        workers=settings.voice_workers,
        queue_limit=settings.voice_queue_limit,
        max_seconds=settings.voice_max_seconds,
    )
