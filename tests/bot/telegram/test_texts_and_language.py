from __future__ import annotations

import pytest

from bot.telegram.app import file_base_url
from bot.telegram.chat_language import ChatLanguage, chat_language, client_lang, parse_lang
from bot.telegram.handlers import start_payload
from bot.telegram.texts import ChannelText, channel_text
from core.lang import detect_lang


@pytest.mark.parametrize("key", list(ChannelText))
def test_every_channel_text_exists_in_chinese_and_english(key: ChannelText) -> None:
    zh, en = channel_text(key, "zh"), channel_text(key, "en")

    assert detect_lang(zh) == "zh"
    assert detect_lang(en) == "en"


def test_unknown_language_gets_both_languages_chinese_first() -> None:
    text = channel_text(ChannelText.APOLOGY, None)

    assert text == channel_text(ChannelText.APOLOGY, "zh") + "\n\n" + channel_text(ChannelText.APOLOGY, "en")


def test_explicit_choice_beats_the_message_language() -> None:
    assert ChatLanguage(explicit="zh", last_answer="en").for_text("hello there") == "zh"


def test_message_language_beats_the_last_answer() -> None:
    assert ChatLanguage(last_answer="zh").for_text("hello there") == "en"


def test_last_answer_is_used_when_the_message_shows_no_language() -> None:
    assert ChatLanguage(last_answer="en").for_text("👍") == "en"


def test_nothing_known_means_no_language() -> None:
    assert ChatLanguage().for_text("123") is None


def test_chat_language_is_created_once_per_chat_data() -> None:
    chat_data: dict[object, object] = {}

    chat_language(chat_data).explicit = "en"

    assert chat_language(chat_data).explicit == "en"


@pytest.mark.parametrize(("word", "lang"), [("zh", "zh"), ("中文", "zh"), ("English", "en"), (" EN ", "en")])
def test_lang_words_farmers_type_are_understood(word: str, lang: str) -> None:
    assert parse_lang(word) == lang


def test_unknown_lang_word_is_none() -> None:
    assert parse_lang("français") is None


@pytest.mark.parametrize(("code", "lang"), [("zh-hans", "zh"), ("zh-TW", "zh"), ("en-GB", "en"), ("ru", None)])
def test_telegram_client_language_codes_map_to_our_languages(code: str, lang: str | None) -> None:
    assert client_lang(code) == lang


@pytest.mark.parametrize(
    ("args", "payload"),
    [
        (["camp_X"], "camp_X"),
        ([], None),
        (None, None),
        (["a", "b"], None),
        (["x" * 65], None),
        (["ok-1"], "ok-1"),
    ],
)
def test_start_payload_accepts_only_telegram_deep_link_payloads(args: list[str] | None, payload: str | None) -> None:
    assert start_payload(args) == payload


def test_file_base_url_sits_beside_the_api_base_url() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"
