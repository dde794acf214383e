"""Our topics' vocabulary and the neighbouring programmes the knowledge base does not cover."""

from __future__ import annotations

import pytest

from knowledge.followup import topic_switch
from knowledge.scope import about_other_programme, in_our_vocabulary, topics_named


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        ("没有抵押能贷吗", ["loan"]),
        ("猪死了保险赔不赔", ["insurance"]),
        ("这是不是骗子", ["scam"]),
        ("村里服务站能取钱吗", ["station"]),
        ("can I borrow for cattle", ["loan"]),
        ("信用等级分几级", ["loan"]),
        ("Can I spend the microloan on daily living costs?", ["loan"]),
        ("明天下雨吗", []),
        ("is cnn really fake news", []),
    ],
)
def test_topics_are_named_by_their_vocabulary(question: str, topics: list[str]) -> None:
    assert topics_named(question) == topics


@pytest.mark.parametrize(
    "question", ["新农合一年交多少钱", "住院了医保能报多少", "城乡居民养老保险能领多少", "car insurance renewal"]
)
def test_neighbouring_programmes_are_out_of_scope(question: str) -> None:
    assert about_other_programme(question)


@pytest.mark.parametrize(
    "question",
    ["医保卡异常要点链接认证，是不是诈骗", "服务站能交医保不", "农业保险怎么买", "How do I report a crop loss?"],
)
def test_scam_and_station_questions_naming_them_stay_in_scope(question: str) -> None:
    assert not about_other_programme(question)


@pytest.mark.parametrize(
    "question",
    ["咋知道补贴到没到账", "公安打电话让转账", "they pay old investors with money from new ones", "明天下雨吗"],
)
def test_words_our_topics_share_are_in_our_vocabulary_without_naming_a_topic(question: str) -> None:
    assert topics_named(question) == []
    assert in_our_vocabulary(question) == (question != "明天下雨吗")


def test_a_follow_up_in_shared_words_does_not_switch_topic() -> None:
    assert topic_switch("保费政府补多少", "那补贴啥时候到") == ()
