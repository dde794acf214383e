"""`action_validate_slot_mappings`: keeps the `lang` slot following the farmer, message by message."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.turn import DEFAULT_LANG, as_lang, latest_intent, latest_metadata, latest_text
from core.intents import Intent
from core.lang import Lang, detect_lang

SWITCH_INTENT = Intent.SWITCH_LANGUAGE
_MENTIONS: dict[Lang, re.Pattern[str]] = {
    "zh": re.compile(r"中文|汉语|普通话|中国话|chinese|mandarin", re.IGNORECASE),
    "en": re.compile(r"英文|英语|english", re.IGNORECASE),
}
# "我看不懂英文" / "I don't read Chinese": the farmer names the language they do NOT want.
_NEGATION = re.compile(r"不懂|不会|看不|听不|don'?t|do not|can'?t|cannot|not", re.IGNORECASE)


def _other(lang: Lang) -> Lang:
    """The other supported language."""
    return "en" if lang == "zh" else "zh"


def requested_lang(text: str, previous: Lang) -> Lang:
    """The language a switch request asks for; a request naming no single language toggles."""
    mentioned = [lang for lang, pattern in _MENTIONS.items() if pattern.search(text)]
    if len(mentioned) != 1:
        return _other(previous)
    named = mentioned[0]
    return _other(named) if _NEGATION.search(text) else named


def choose_lang(*, metadata_lang: Any, text: str, intent: str | None, previous: Any) -> Lang:
    """Pick the language: channel metadata, then a switch request, then detection, then the previous one."""
    explicit = as_lang(metadata_lang)
    if explicit is not None:
        return explicit
    kept = as_lang(previous) or DEFAULT_LANG
    if intent == SWITCH_INTENT:
        return requested_lang(text, kept)
    return detect_lang(text) or kept


class ValidateSlotMappings(ValidationAction):
    """Runs after every user message and fills the custom-mapped `lang` slot."""

    def extract_lang(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Set `lang` when this message changes it; return nothing when it stays the same."""
        previous = tracker.get_slot("lang")
        lang = choose_lang(
            metadata_lang=latest_metadata(tracker).get("lang"),
            text=latest_text(tracker),
            intent=latest_intent(tracker),
            previous=previous,
        )
        return {} if lang == previous else {"lang": lang}

    def validate_lang(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept only the supported languages; anything else falls back to Chinese."""
        return {"lang": as_lang(slot_value) or DEFAULT_LANG}
