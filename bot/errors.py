"""Errors raised by the bot's adapters."""

from __future__ import annotations

from core.errors import NonghuiError


class DialogueUnavailable(NonghuiError):
    """The dialogue engine (Rasa) could not be reached or answered with something unusable."""
