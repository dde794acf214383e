"""The domain speller fixes same-sound slips towards the corpus vocabulary and leaves everything else alone."""

from __future__ import annotations

import pytest

from knowledge.spelling import DomainSpeller, fuzzy_syllable

VOCABULARY = {"贷款": 40, "抵押": 12, "担保": 12, "利息": 15, "申请": 30, "扶贫": 20, "理赔": 10, "还款": 18, "转账": 6}


@pytest.fixture(scope="module")
def speller() -> DomainSpeller:
    return DomainSpeller(VOCABULARY)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("代款要啥", "贷款要啥"),
        ("没有抵压能贷吗", "没有抵押能贷吗"),
        ("利习多少", "利息多少"),
        ("担宝要几个人", "担保要几个人"),
        ("福贫贷款", "扶贫贷款"),
        ("理陪要多久", "理赔要多久"),
        ("换款日期", "还款日期"),
        ("深庆贷款要带啥", "申请贷款要带啥"),
        ("转仗给陌生人", "转账给陌生人"),
    ],
)
def test_same_sound_slips_become_the_domain_word(speller: DomainSpeller, typed: str, meant: str) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "text",
    ["李保国", "钱桂兰", "河西镇新塘村", "俺想借十万块钱养猪中不中", "我家猪死了能赔不", "保健品", "贷款利息多少"],
)
def test_names_places_dialect_and_correct_words_stay_as_typed(speller: DomainSpeller, text: str) -> None:
    assert speller.correct(text) == text


def test_a_run_sounding_alike_but_sharing_no_character_needs_a_frequent_word_and_the_exact_sound() -> None:
    rare = DomainSpeller({"申请": 3})
    assert rare.correct("深庆") == "深庆"
    assert DomainSpeller({"征信": 30}).correct("镇新") == "镇新"  # zhen xin is only an accent-merge of zheng xin


def test_accent_merges_fold_initials_and_finals() -> None:
    assert fuzzy_syllable("zhang") == "zan"
    assert fuzzy_syllable("ling") == "nin"
    assert fuzzy_syllable("hu") == "fu"
    assert fuzzy_syllable("sheng") == "sen"


def test_an_empty_vocabulary_changes_nothing() -> None:
    assert DomainSpeller({}).correct("代款") == "代款"


def test_lexicon_comes_from_words_used_often_enough() -> None:
    speller = DomainSpeller.from_texts(["贷款要抵押吗？贷款不要抵押。", "申请贷款"], min_count=2)
    assert speller.correct("代款") == "贷款"
    assert speller.correct("深庆") == "深庆"


def test_a_function_character_is_never_put_in_where_the_farmer_did_not_say_it() -> None:
    # 还 and 不 share a rare reading (fu) in pypinyin; "还能" must not become "不能" and turn the question round.
    speller = DomainSpeller({"不能": 40, "贷款": 40})
    assert speller.correct("骗走的钱还能追回来吗") == "骗走的钱还能追回来吗"
    assert speller.correct("还能代款吗") == "还能贷款吗"


def test_a_correction_never_writes_in_a_negation_or_other_function_character() -> None:
    # 还 (a rare reading fú) and 户 (hu, heard as fu) sound like 不 (fū): "还能" must not become "不能".
    speller = DomainSpeller({"不能": 40, "不了": 20, "享受": 10})
    assert speller.correct("还能享受贴息吗") == "还能享受贴息吗"
    assert speller.correct("不是贫困户了") == "不是贫困户了"


def test_a_frequent_domain_word_may_share_a_character_with_a_neighbouring_word_it_leaves_unchanged() -> None:
    speller = DomainSpeller({"脱贫": 90, "贫户": 5, "手续费": 18, "贷款": 40})
    assert speller.correct("托贫户贷款要抵押吗") == "脱贫户贷款要抵押吗"  # 贫 of 贫户 stays as it was
    assert speller.correct("贷款要交手序费吗") == "贷款要交手续费吗"  # 手 of 交手 stays as it was


def test_an_ordinary_word_is_only_a_slip_for_a_word_sounding_exactly_like_it() -> None:
    speller = DomainSpeller({"小组": 12, "凡是": 12, "以内": 12})
    assert speller.correct("用来买小猪仔") == "用来买小猪仔"  # 小猪 is a word; 小组 takes the z/zh merge
    assert speller.correct("点链接就行是真的吗") == "点链接就行是真的吗"  # 行 hang → 凡 fan takes two merges
    assert speller.correct("贷款可以拿去盖房子吗") == "贷款可以拿去盖房子吗"  # 内 reads na only rarely
