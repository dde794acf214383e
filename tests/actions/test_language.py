from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ValidateSlotMappings, choose_lang, requested_lang
from tests.actions.conftest import make_tracker

DOMAIN: dict[str, Any] = {
    "slots": {"lang": {"type": "categorical", "values": ["zh", "en"], "mappings": [{"type": "custom"}]}}
}


async def lang_events(text: str | None, previous: str | None, **kwargs: Any) -> list[dict[str, Any]]:
    tracker = make_tracker(text, lang=previous, **kwargs)
    return await ValidateSlotMappings().run(CollectingDispatcher(), tracker, DOMAIN)


def slot_set(value: str) -> dict[str, Any]:
    return {"event": "slot", "timestamp": None, "name": "lang", "value": value}


def test_validation_action_has_the_name_rasa_calls_after_every_message():
    assert ValidateSlotMappings().name() == "action_validate_slot_mappings"


async def test_metadata_language_wins_over_the_text():
    assert await lang_events("贷款能贷多少", "zh", metadata={"lang": "en"}) == [slot_set("en")]


async def test_null_metadata_language_falls_back_to_detection():
    assert await lang_events("how much can I borrow", "zh", metadata={"lang": None}) == [slot_set("en")]


async def test_unknown_metadata_language_is_ignored():
    assert await lang_events("你好", "en", metadata={"lang": "fr"}) == [slot_set("zh")]


async def test_english_text_switches_a_chinese_conversation_to_english():
    assert await lang_events("is this a scam", "zh") == [slot_set("en")]


async def test_same_language_sets_no_slot():
    assert await lang_events("贷款利息多少", "zh") == []


@pytest.mark.parametrize("text", ["👍🙏", "/ask_loan", "12345", "", None])
async def test_emoji_payloads_numbers_and_empty_text_keep_the_previous_language(text: str | None):
    assert await lang_events(text, "en") == []


async def test_conversation_without_a_language_defaults_to_chinese():
    assert await lang_events("👍", None) == [slot_set("zh")]


@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        ("说中文", "en", "zh"),
        ("我要英文", "zh", "en"),
        ("我看不懂英文", "en", "zh"),
        ("English please", "zh", "en"),
        ("can you reply in chinese", "en", "zh"),
        ("i dont read chinese", "zh", "en"),
        ("change language", "zh", "en"),
        ("换个语言", "en", "zh"),
    ],
)
def test_switch_request_picks_the_named_language_or_toggles(text: str, previous: str, expected: str):
    assert requested_lang(text, previous) == expected  # type: ignore[arg-type]


async def test_switch_intent_overrides_detection_of_the_request_text():
    events = await lang_events("speak chinese please", "en", intent="switch_language")

    assert events == [slot_set("zh")]


def test_choose_lang_prefers_metadata_over_a_switch_request():
    assert choose_lang(metadata_lang="en", text="说中文", intent="switch_language", previous="zh") == "en"
