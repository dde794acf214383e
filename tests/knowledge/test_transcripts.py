"""Transcripts made readable: Simplified characters, digits said one by one, domain same-sound slips, CER."""

from __future__ import annotations

import pytest

from knowledge.spelling import DomainSpeller
from knowledge.transcripts import TranscriptCorrector, character_error_rate, spoken_digits

LEXICON = {
    "扶贫": 30,
    "贷款": 40,
    "转账": 20,
    "冻结": 20,
    "被冻结": 10,
    "申请": 40,
    "抵押": 15,
    "担保": 15,
    "小额信贷": 20,
}


@pytest.fixture(scope="module")
def corrector() -> TranscriptCorrector:
    return TranscriptCorrector(DomainSpeller(LEXICON).correct, context=False)


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("福貧貸款怎麼申請", "扶贫贷款怎么申请"),  # Traditional output, 福贫 for 扶贫
        ("对方让我转仗到安全账户", "对方让我转账到安全账户"),
        ("他说我的贷款被动结了", "他说我的贷款被冻结了"),
        ("贷款要抵压吗", "贷款要抵押吗"),
        ("需要 担宝 吗", "需要担保吗"),
    ],
)
def test_same_sound_slips_of_the_recogniser_are_fixed_against_the_domain_vocabulary(
    corrector: TranscriptCorrector, heard: str, meant: str
):
    assert corrector.correct(heard) == meant


def test_digits_said_one_by_one_become_digits_and_short_numbers_stay_words():
    assert spoken_digits("电话一三八零零一三八零零零") == "电话13800138000"
    assert spoken_digits("借三万块钱") == "借三万块钱"
    assert spoken_digits("身份证四四零八八二一九九零零一零一一二三叉") == "身份证44088219900101123X"


def test_english_passes_without_the_chinese_speller():
    assert (
        TranscriptCorrector(lambda _: "WRONG").correct(" What is the interest rate? ") == "What is the interest rate?"
    )


def test_character_error_rate_ignores_punctuation_and_reads_numbers_as_spoken():
    assert character_error_rate("借3万块钱，行吗？", "借三万块钱行吗") == 0.0
    assert character_error_rate("交2000块", "交两千块") == 0.0
    assert character_error_rate("借３万，３年", "借3万3年") == 0.0  # full-width digits and punctuation fold
    assert character_error_rate("电话是一三八一二三四五六七八", "电话是13812345678") == 0.0
    assert character_error_rate("贷款利息", "带款利息") == pytest.approx(0.25)
    assert character_error_rate("", "") == 0.0
    assert character_error_rate("", "多") == 1.0


def test_a_question_particle_heard_as_another_ma_is_restored_only_at_the_end(corrector: TranscriptCorrector):
    assert corrector.correct("保险能赔骂") == "保险能赔吗"
    assert corrector.correct("能贷款马？") == "能贷款吗？"
    assert corrector.correct("我想买") == "我想买"
    assert corrector.correct("马上要还钱") == "马上要还钱"


def test_a_correction_never_joins_two_phrases_the_recogniser_heard_with_a_pause_between():
    corrector = TranscriptCorrector(DomainSpeller({"青海": 12, "贷款": 40}).correct, context=False)
    assert corrector.correct("以前带过款梅环青 还能再带吗") == "以前带过款梅环青还能再带吗"
    assert corrector.correct("需要 担宝 吗") == "需要担宝吗"
