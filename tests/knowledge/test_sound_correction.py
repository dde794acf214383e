"""Same-sound characters chosen by context: the character language model and the noisy-channel corrector."""

from __future__ import annotations

import math

import pytest

from knowledge.char_lm import BOUNDARY, CharLanguageModel, clauses
from knowledge.sound_correction import SoundCorrector, knowledge_texts, sound_corrector
from knowledge.transcripts import TranscriptCorrector

# Correct farmer sentences written for this test (not from the corpus nor the voice evaluation's questions).
CORRECT_SENTENCES = [
    "我想贷款买两头牛",
    "家里的鸡死了好几只",
    "今年玉米收成不好",
    "信用社的利息高不高",
    "我没有房子能抵押吗",
    "我家在山里，离镇上很远",
    "去年借的钱还没还完",
    "孩子上学要用钱",
    "小额信贷要找谁担保",
    "水稻被水淹了怎么办",
    "我的羊病死了三只",
    "有人打电话说我中奖了",
    "对方让我先交手续费",
    "银行卡被冻结了怎么办",
    "我想买农业保险",
    "保险到期了还能续吗",
    "贷款批下来要多长时间",
    "我年纪大了还能贷款吗",
    "村里的干部让我去签字",
    "猪肉价格跌了好多",
    "明天要去县城办事",
    "我不会用手机转账",
    "种苹果需要多少本钱",
    "短信里的链接能点吗",
    "天气太干了，麦子长不好",
    "我老伴住院花了不少钱",
]


@pytest.fixture(scope="module")
def corrector() -> SoundCorrector:
    return sound_corrector()


def test_the_language_model_prefers_a_corpus_phrase_over_a_same_sound_non_phrase(corrector: SoundCorrector):
    model = corrector.model
    assert model.score("贷款没还清") > model.score("贷款梅环青")
    assert model.score("农业保险") > model.score("农业报显")


def test_the_language_model_probabilities_of_a_history_sum_to_one():
    model = CharLanguageModel(["贷款要抵押吗？贷款利息高不高。", "保险能赔吗"])
    symbols = {c for text in ("贷款要抵押吗贷款利息高不高", "保险能赔吗") for c in text} | {BOUNDARY}
    for history in (("贷", "款"), (BOUNDARY, BOUNDARY), ("保", "赔")):
        total = sum(math.exp(model.logprob(*history, c)) for c in symbols)
        assert 0.95 < total <= 1.0 + 1e-9  # what is left is kept for characters the texts never use


def test_clauses_end_at_punctuation_and_spaces_and_digit_runs_become_one_symbol():
    assert list(clauses("可以贷10万吗？ 好的")) == ["可以贷#万吗", "好的"]


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("大棚书猜受灾了能赔吗", "大棚蔬菜受灾了能赔吗"),
        ("刷单反力是骗局吗", "刷单返利是骗局吗"),
        ("保险公司陪不陪", "保险公司赔不赔"),
        ("怎么变别骗子", "怎么辨别骗子"),
    ],
)
def test_same_sound_characters_are_chosen_by_the_knowledge_base_context(
    corrector: SoundCorrector, heard: str, meant: str
):
    assert corrector.correct(heard) == meant


def test_an_ordinary_correct_sentence_is_left_unchanged(corrector: SoundCorrector):
    assert corrector.correct("我家的猪病了，怎么办") == "我家的猪病了，怎么办"


def test_twenty_six_correct_farmer_sentences_are_left_unchanged(corrector: SoundCorrector):
    changed = {s: corrector.correct(s) for s in CORRECT_SENTENCES if corrector.correct(s) != s}
    assert changed == {}


def test_digits_and_numbers_in_words_never_change(corrector: SoundCorrector):
    assert corrector.correct("可以带10万块钱吗") == "可以贷10万块钱吗"  # 带 → 贷, 10 stays
    heard = "我的电话是一三八一二三四五六七八"
    corrected = corrector.correct(heard)
    assert corrected[5:] == heard[5:]
    assert all(c not in "一二三四五六七八九十" for c in corrector.correct("保险公司陪不陪")[:4])


def test_no_number_is_ever_a_candidate_for_a_character(corrector: SoundCorrector):
    for char in ("衣", "医", "仪", "山", "是", "武", "就", "事", "肆"):
        assert not {c for c, _ in corrector.candidates(char)} & set("零一二两三四五六七八九十百千万亿")
    assert corrector.candidates("三") == [("三", 0.0)]


def test_a_change_to_the_same_sound_is_cheaper_than_one_with_an_accent_merge(corrector: SoundCorrector):
    prices = dict(corrector.candidates("陪"))
    assert prices["陪"] == 0.0
    assert 0 < prices["赔"] < prices.get("盆", math.inf)


def test_short_clauses_are_left_as_heard(corrector: SoundCorrector):
    assert corrector.correct("谢了") == "谢了"


def test_the_language_model_never_learns_the_voice_evaluation_questions():
    from pathlib import Path

    import yaml

    questions = Path(__file__).resolve().parents[2] / "bot" / "voice" / "eval" / "questions.yaml"
    learnt = {c for text in knowledge_texts() for c in clauses(text)}
    rows = yaml.safe_load(questions.read_text(encoding="utf-8"))
    # The corpus's ways of asking may contain a question (办贷款要交手续费吗 has v22's words), never be one.
    assert not [r["text"] for r in rows if "".join(clauses(r["text"])) in learnt]


def test_the_transcript_corrector_chooses_by_context_after_the_domain_speller():
    corrector = TranscriptCorrector(lambda text: text.replace("福贫", "扶贫"))
    assert corrector.correct("福貧貸款 保险公司陪不陪") == "扶贫贷款保险公司赔不赔"
    assert TranscriptCorrector(context=False).correct("保险公司陪不陪") == "保险公司陪不陪"
