from bot.conversation import Conversation, LanguageMemory, cut_at_sentence, strip_control_characters
from bot.messages import BotReply, TurnResult, UserTurn
from bot.texts import text, topic_buttons
from core.lang import Lang
from tests.bot.fakes import RecordingEngine


def turn(text: str, lang: str | None = None, sender: str = "web:1") -> UserTurn:
    return UserTurn(sender_id=sender, text=text, channel="web", lang=lang)  # type: ignore[arg-type]


async def test_empty_text_gets_a_prompt_with_topic_buttons_without_calling_the_engine() -> None:
    engine = RecordingEngine()

    result = await Conversation(engine).handle(turn("   \n\t "))

    assert engine.turns == []
    assert [r.text for r in result.replies] == [text("empty_prompt", "zh")]
    assert result.replies[0].buttons == topic_buttons("zh")
    assert result.lang == "zh"
    assert result.intent is None


async def test_empty_prompt_follows_the_turn_language() -> None:
    result = await Conversation(RecordingEngine()).handle(turn("", lang="en"))

    assert result.replies[0].text == text("empty_prompt", "en")
    assert [b.title for b in result.replies[0].buttons] == [b.title for b in topic_buttons("en")]


async def test_control_characters_only_counts_as_empty() -> None:
    engine = RecordingEngine()

    result = await Conversation(engine).handle(turn("\x00\x07\x1b"))

    assert engine.turns == []
    assert result.replies[0].text == text("empty_prompt", "zh")


async def test_control_characters_are_stripped_before_the_engine() -> None:
    engine = RecordingEngine()

    await Conversation(engine).handle(turn("贷\x00款\x1b[31m利率\r\n多少\ud800"))

    assert engine.turns[0].text == "贷款[31m利率\n多少"


async def test_emoji_only_text_reaches_the_engine_unchanged() -> None:
    engine = RecordingEngine()
    family = "👨\u200d👩\u200d👧 👍🏽"

    await Conversation(engine).handle(turn(family))

    assert engine.turns[0].text == family


async def test_long_text_is_cut_and_the_first_reply_gets_a_note() -> None:
    engine = RecordingEngine(reply="回答")
    sentence = "我家种了十亩水稻，想问问保险怎么买。"
    long_text = sentence * 600  # about 10 kB

    result = await Conversation(engine, max_chars=1000).handle(turn(long_text))

    sent = engine.turns[0].text
    assert len(sent) <= 1000
    assert sent.endswith("。")
    assert long_text.startswith(sent)
    assert result.replies[0].text.startswith(text("truncated_note", "zh"))
    assert result.replies[0].text.endswith("回答")


async def test_short_text_is_passed_whole_without_note() -> None:
    engine = RecordingEngine(reply="回答")

    result = await Conversation(engine, max_chars=1000).handle(turn("贷款利率多少？"))

    assert engine.turns[0].text == "贷款利率多少？"
    assert [r.text for r in result.replies] == ["回答"]


def test_cut_prefers_sentence_end_then_word_end_then_hard_cut() -> None:
    assert cut_at_sentence("First sentence. Second sentence goes on", 30) == "First sentence."
    assert cut_at_sentence("aaaa bbbb cccc dddd", 12) == "aaaa bbbb"
    assert cut_at_sentence("x" * 50, 20) == "x" * 20
    assert cut_at_sentence("利率是3.45%每年还款", 10) == "利率是3.45%每年"


def test_strip_keeps_newlines_tabs_and_joiners() -> None:
    assert strip_control_characters("a\tb\nc\u200dd\x7f") == "a\tb\nc\u200dd"


async def test_language_is_remembered_for_turns_without_detectable_language() -> None:
    engine = RecordingEngine(lang="en")
    conversation = Conversation(engine)

    await conversation.handle(turn("how can I get a loan"))
    await conversation.handle(turn("👍"))

    assert engine.turns[0].lang is None
    assert engine.turns[1].lang == "en"


async def test_language_memory_is_per_sender() -> None:
    engine = RecordingEngine(lang="en")
    conversation = Conversation(engine)

    await conversation.handle(turn("hello there", sender="web:a"))
    await conversation.handle(turn("123", sender="web:b"))

    assert engine.turns[1].lang is None


async def test_explicit_turn_language_wins_over_memory() -> None:
    engine = RecordingEngine(lang="en")
    conversation = Conversation(engine)

    await conversation.handle(turn("hello"))
    await conversation.handle(turn("👍", lang="zh"))

    assert engine.turns[1].lang == "zh"


async def test_detectable_text_is_not_overridden_by_memory() -> None:
    engine = RecordingEngine(lang="en")
    conversation = Conversation(engine)

    await conversation.handle(turn("hello"))
    await conversation.handle(turn("我想买保险"))

    assert engine.turns[1].lang is None


async def test_empty_prompt_uses_the_remembered_language() -> None:
    conversation = Conversation(RecordingEngine(lang="en"))

    await conversation.handle(turn("hello"))
    result = await conversation.handle(turn(""))

    assert result.lang == "en"
    assert result.replies[0].text == text("empty_prompt", "en")


def test_language_memory_forgets_the_least_recently_seen_sender() -> None:
    memory = LanguageMemory(max_senders=2)
    memory.remember("a", "zh")
    memory.remember("b", "en")
    assert memory.get("a") == "zh"  # "a" is now the most recent
    memory.remember("c", "en")

    assert len(memory) == 2
    assert memory.get("b") is None
    assert memory.get("a") == "zh"
    assert memory.get("c") == "en"


class NoReplyEngine:
    async def handle(self, turn: UserTurn) -> TurnResult:
        lang: Lang = "en"
        return TurnResult(replies=[], lang=lang)


async def test_truncation_note_is_a_reply_of_its_own_when_the_engine_says_nothing() -> None:
    result = await Conversation(NoReplyEngine(), max_chars=10).handle(turn("word " * 10))

    assert result.replies == [BotReply(text=text("truncated_note", "en"))]
