from __future__ import annotations

import pytest

from bot.messages import BotReply, SourceRef
from bot.rendering import format_source, reply_text, split_message, utf16_length


def test_short_text_is_one_part() -> None:
    assert split_message("你好") == ["你好"]


def test_split_prefers_paragraph_breaks() -> None:
    text = "a" * 60 + "\n\n" + "b" * 60 + "\n\n" + "c" * 60

    assert split_message(text, limit=130) == ["a" * 60 + "\n\n" + "b" * 60, "c" * 60]


def test_split_falls_back_to_lines_inside_a_long_paragraph() -> None:
    text = "x" * 50 + "\n" + "y" * 50 + "\n" + "z" * 50

    assert split_message(text, limit=60) == ["x" * 50, "y" * 50, "z" * 50]


def test_split_keeps_chinese_sentence_punctuation() -> None:
    sentence = "农业保险能减少灾害损失。"
    text = sentence * 10

    parts = split_message(text, limit=30)

    assert "".join(parts) == text
    assert all(part.endswith("。") for part in parts)
    assert all(utf16_length(part) <= 30 for part in parts)


def test_text_without_any_break_is_cut_hard_at_the_limit() -> None:
    parts = split_message("长" * 25, limit=10)

    assert parts == ["长" * 10, "长" * 10, "长" * 5]


def test_limit_counts_utf16_units_so_emoji_count_twice() -> None:
    parts = split_message("🌾" * 5, limit=4)

    assert parts == ["🌾🌾", "🌾🌾", "🌾"]
    assert utf16_length("🌾") == 2


def test_every_part_of_a_10k_reply_fits_the_default_limit() -> None:
    text = "\n".join(f"第{i}行，贷款利率和期限因银行而异。" for i in range(600))

    parts = split_message(text)

    assert len(parts) > 1
    assert all(utf16_length(part) <= 4096 for part in parts)
    assert "\n".join(parts) == text


def test_chinese_source_line_uses_book_title_marks_and_url() -> None:
    source = SourceRef(title="防范电信诈骗手册", locator="第2章", url="https://example.org/scam")

    assert format_source(source, "zh") == "📖 来源：《防范电信诈骗手册》 第2章 https://example.org/scam"


def test_english_source_line_without_locator_or_url() -> None:
    assert format_source(SourceRef(title="Crop insurance basics"), "en") == "📖 Source: Crop insurance basics"


def test_duplicate_sources_are_listed_once() -> None:
    source = SourceRef(title="指引", locator="一")
    reply = BotReply(text="答案", sources=[source, source])

    assert reply_text(reply, "zh") == "答案\n\n📖 来源：《指引》 一"


def test_split_rejects_a_useless_limit() -> None:
    with pytest.raises(ValueError):
        split_message("abc", limit=1)
