"""Reading the current turn from a rasa-sdk tracker: the farmer's text, intent and language."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from core.lang import Lang, detect_lang

DEFAULT_LANG: Lang = "zh"
LANGS: tuple[Lang, ...] = ("zh", "en")
# Longer questions are cut: retrieval needs the gist, and a 10 kB paste must not slow the index down.
MAX_QUESTION_CHARS = 500


def as_lang(value: Any) -> Lang | None:
    """Return the value as a supported language code, or None for anything else."""
    if value == "zh":
        return "zh"
    if value == "en":
        return "en"
    return None


def latest_text(tracker: Tracker) -> str:
    """The latest user message text, stripped ("" when there is none)."""
    text = tracker.latest_message.get("text") or ""
    return text.strip() if isinstance(text, str) else ""


def latest_intent(tracker: Tracker) -> str | None:
    """Name of the intent NLU gave the latest user message."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) else None


def intent_confidence(tracker: Tracker) -> float:
    """Confidence of the latest intent (0 when unknown)."""
    intent = tracker.latest_message.get("intent") or {}
    value = intent.get("confidence") if isinstance(intent, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """Metadata the channel sent with the latest user message ({} when none)."""
    metadata = tracker.latest_message.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def is_payload(text: str) -> bool:
    """True for button payloads such as `/ask_loan`, which carry no question."""
    return text.startswith("/")


def current_lang(tracker: Tracker) -> Lang:
    """The conversation's language: the `lang` slot, else detected from the text, else Chinese."""
    return as_lang(tracker.get_slot("lang")) or detect_lang(latest_text(tracker)) or DEFAULT_LANG


def question_text(tracker: Tracker) -> str | None:
    """The farmer's question for retrieval, or None when the message is empty or a button payload."""
    text = latest_text(tracker)
    if not text or is_payload(text):
        return None
    return text[:MAX_QUESTION_CHARS]
