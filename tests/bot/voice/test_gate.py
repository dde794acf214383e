"""The read-back of voice turns: what is heard is shown and confirmed before anything is done with it."""

from __future__ import annotations

from typing import Any

from bot.messages import UserTurn
from bot.voice.gate import AGAIN_PAYLOAD, CONFIRM_PAYLOAD, TYPE_PAYLOAD, VoiceReadBack
from bot.voice.listener import VOICE_KEY, Heard
from core.intents import Intent
from tests.bot.fakes import RecordingEngine

SENDER = "tg:42"


def voice_turn(heard: Heard, **metadata: Any) -> UserTurn:
    return UserTurn(
        sender_id=SENDER, text=heard.text, channel="telegram", metadata={VOICE_KEY: heard.metadata(), **metadata}
    )


def tap(payload: str) -> UserTurn:
    return UserTurn(sender_id=SENDER, text=payload, channel="telegram")


class OpenFor:
    def __init__(self, open_: bool) -> None:
        self.open = open_

    def open_for(self, channel: str, external_id: str) -> object | None:
        return object() if self.open else None


async def test_a_transcript_is_read_back_with_three_buttons_and_nothing_is_answered_yet():
    inner = RecordingEngine()
    gate = VoiceReadBack(inner)
    result = await gate.handle(voice_turn(Heard("clear", text="我想借钱盖猪圈")))
    assert inner.turns == []
    (reply,) = result.replies
    assert reply.text.startswith("我听到的是：「我想借钱盖猪圈」")
    assert [b.payload for b in reply.buttons] == [CONFIRM_PAYLOAD, AGAIN_PAYLOAD, TYPE_PAYLOAD]
    assert [b.title for b in reply.buttons] == ["对", "不对，重说", "打字"]


async def test_confirming_sends_the_transcript_down_the_text_path_once():
    inner = RecordingEngine(reply="答案")
    gate = VoiceReadBack(inner)
    await gate.handle(voice_turn(Heard("clear", text="我想借钱盖猪圈")))
    result = await gate.handle(tap(CONFIRM_PAYLOAD))
    assert [t.text for t in inner.turns] == ["我想借钱盖猪圈"]
    assert inner.turns[0].metadata == {"from_voice": True}
    assert result.replies[0].text == "答案"
    again = await gate.handle(tap(CONFIRM_PAYLOAD))  # a double tap does not send it twice
    assert len(inner.turns) == 1
    assert "过期" in again.replies[0].text


async def test_a_voice_answer_to_a_form_step_is_confirmed_before_it_is_used_and_the_id_is_masked():
    inner = RecordingEngine()
    gate = VoiceReadBack(inner)
    heard = Heard("clear", text="我的身份证号是440882199001011236", confident=True)
    result = await gate.handle(voice_turn(heard))
    assert inner.turns == []
    assert "4408**********1236" in result.replies[0].text
    assert "440882199001011236" not in result.replies[0].text
    await gate.handle(tap(CONFIRM_PAYLOAD))
    assert inner.turns[0].text == "我的身份证号是440882199001011236"  # the form gets the real number


async def test_numbers_are_always_confirmed_even_when_the_recogniser_is_sure():
    inner = RecordingEngine()
    gate = VoiceReadBack(inner)
    for said in ("借三万块钱三年还清能行吗", "想贷5万可以吗", "我叫张三", "不办了"):
        result = await gate.handle(voice_turn(Heard("clear", text=said, confident=True)))
        assert result.replies[0].buttons[0].payload == CONFIRM_PAYLOAD, said
    assert inner.turns == []


async def test_a_confident_plain_question_is_answered_at_once_with_the_transcript_on_top():
    inner = RecordingEngine(reply="养猪可以上保险")
    gate = VoiceReadBack(inner)
    result = await gate.handle(voice_turn(Heard("clear", text="养猪有保险吗", confident=True)))
    assert [t.text for t in inner.turns] == ["养猪有保险吗"]
    assert [r.text for r in result.replies] == ["我听到的是：「养猪有保险吗」", "养猪可以上保险"]


async def test_unclear_audio_is_never_guessed_and_gets_the_topic_buttons():
    inner = RecordingEngine()
    result = await VoiceReadBack(inner).handle(voice_turn(Heard("unclear", raw="贷款 贷款 贷款")))
    assert inner.turns == []
    (reply,) = result.replies
    assert reply.text.startswith("没听清，请您再说一遍，或者点下面的按钮")
    assert Intent.ASK_LOAN.payload in [b.payload for b in reply.buttons]


async def test_a_note_over_a_minute_gets_a_polite_request_to_keep_it_short():
    inner = RecordingEngine()
    result = await VoiceReadBack(inner).handle(voice_turn(Heard("too_long", seconds=75)))
    assert inner.turns == []
    assert "60 秒" in result.replies[0].text and "请您" in result.replies[0].text


async def test_say_again_and_type_it_answer_in_the_farmers_language():
    gate = VoiceReadBack(RecordingEngine())
    await gate.handle(
        UserTurn(
            sender_id=SENDER,
            text="what is the interest rate",
            channel="telegram",
            lang="en",
            metadata={VOICE_KEY: Heard("clear", text="what is the interest rate").metadata()},
        )
    )
    assert "say it again" in (await gate.handle(tap(AGAIN_PAYLOAD).model_copy(update={"lang": "en"}))).replies[0].text
    assert "请您直接打字" in (await gate.handle(tap(TYPE_PAYLOAD))).replies[0].text


async def test_during_a_hand_off_the_voice_turn_goes_on_to_staff_without_a_read_back():
    inner = RecordingEngine()
    gate = VoiceReadBack(inner, OpenFor(True))
    await gate.handle(voice_turn(Heard("clear", text="我家的猪病了"), media_type="voice", media_ref="file-1"))
    (relayed,) = inner.turns
    assert relayed.text == "我家的猪病了" and relayed.metadata["media_ref"] == "file-1"


async def test_typed_turns_pass_unchanged():
    inner = RecordingEngine()
    await VoiceReadBack(inner).handle(UserTurn(sender_id=SENDER, text="贷款利息多少", channel="web"))
    assert [t.text for t in inner.turns] == ["贷款利息多少"]


def test_a_transcript_that_only_echoes_the_primed_words_counts_as_unclear():
    from bot.voice.recogniser import echoes_prompt, repeats_prompt

    assert echoes_prompt("贷款 小额信贷", "贷款 小额信贷 扶贫")
    assert echoes_prompt("贷款贷款贷款贷款", "贷款 扶贫")
    assert not echoes_prompt("扶贫贷款要抵押吗", "贷款 小额信贷 扶贫 抵押")
    assert repeats_prompt("以下是普通话的句子", "以下是普通话的句子，关于贷款。")
    assert not repeats_prompt("普通话说得不好", "以下是普通话的句子，关于贷款。")


def test_a_string_of_lone_digits_is_garbled_audio_but_a_number_said_digit_by_digit_is_not():
    from bot.voice.recogniser import garbled

    assert garbled("1-3-2-4-4-4-3-5-5-10-1-3")
    assert garbled("贷款 1 3 1 3 3 3 2 4 4 5 2 5 5 5")
    assert not garbled("我的电话是13812345678")
    assert not garbled("电话 138 1234 5678")
    assert not garbled("借3万，3年还清")


def test_one_word_looping_three_times_is_garbled_but_a_word_said_twice_is_not():
    from bot.voice.recogniser import garbled

    assert garbled("网友 贷款 贷款 贷款 贷款 贷款")
    assert garbled("保险保险保险")
    assert not garbled("贷款贷款，我想问贷款")
    assert not garbled("电话是13888888888")
