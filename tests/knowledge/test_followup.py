"""Follow-up turns are recognised by their shape and searched together with the previous question."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.answer import AnswerComposer
from knowledge.builder import build_from_corpus
from knowledge.embedding.fake import HashingEmbedder
from knowledge.followup import is_follow_up, with_context
from knowledge.retriever import HybridRetriever
from knowledge.service import KnowledgeService


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("那要多久还？", "zh"),
        ("保险也一样吗？", "zh"),
        ("那利息呢", "zh"),
        ("如果超过了呢", "zh"),
        ("要带啥", "zh"),
        ("这个要交钱吗，我不太懂这些东西", "zh"),
        ("what about the interest?", "en"),
        ("and for livestock?", "en"),
        ("is it the same for rice?", "en"),
    ],
)
def test_turns_that_lean_on_the_previous_question_are_follow_ups(text: str, lang: str) -> None:
    assert is_follow_up(text, lang)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("脱贫户小额信贷最多能借多少钱，要不要担保", "zh"),
        ("养猪的保险一头猪保费多少钱，政府补贴多少", "zh"),
        ("How much can a poverty household borrow under the microcredit?", "en"),
        ("", "zh"),
    ],
)
def test_questions_with_a_subject_of_their_own_are_not_follow_ups(text: str, lang: str) -> None:
    assert not is_follow_up(text, lang)  # type: ignore[arg-type]


def test_the_context_puts_the_previous_question_before_the_follow_up() -> None:
    assert with_context(" 能贷多少 ", "那利息呢") == "能贷多少 那利息呢"


@pytest.fixture
def service(corpus: Path, tmp_path: Path) -> KnowledgeService:
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(corpus, tmp_path / "index", embedder)
    return KnowledgeService(
        HybridRetriever(tmp_path / "index", embedder), AnswerComposer(min_dense=0.0, min_dense_en=0.0)
    )


def test_a_follow_up_is_answered_from_the_previous_questions_subject(service: KnowledgeService) -> None:
    previous = "对方让我先交解冻费才放款，这是诈骗吗"
    answer = service.answer("那咋整呢", lang="zh", previous=previous)
    assert "96110" in answer.text


@pytest.mark.parametrize("previous_doc", ["scam-zh", "loan-zh"])
def test_the_document_that_answered_the_previous_turn_ranks_first(service: KnowledgeService, previous_doc: str) -> None:
    followed = service.retriever.search("那咋整呢", 3, context="对方让我先交钱 那咋整呢", previous_doc=previous_doc)
    assert followed[0].doc_id == previous_doc


def test_a_follow_up_picks_its_own_section_not_the_previous_questions(service: KnowledgeService) -> None:
    answer = service.answer("那利率呢", lang="zh", previous="小额信贷能贷多少")
    assert answer.sources[0].locator == "利率"


def test_a_topic_switch_is_not_held_back_by_the_previous_document(service: KnowledgeService) -> None:
    switched = service.retriever.search("那保险呢", 3, topics=("insurance",), previous_doc="loan-zh")
    alone = service.retriever.search("那保险呢", 3, topics=("insurance",))
    assert [(p.doc_id, p.locator, p.score) for p in switched] == [(p.doc_id, p.locator, p.score) for p in alone]


def test_a_question_that_is_no_follow_up_ignores_the_previous_one(service: KnowledgeService) -> None:
    answer = service.answer("对方让我先交解冻费才放款，这是不是诈骗", lang="zh", previous="小额信贷能贷多少万元")
    assert answer.sources[0].title == "贷款诈骗"


def test_a_follow_up_naming_another_topic_switches_to_it() -> None:
    from knowledge.followup import topic_switch

    assert topic_switch("贷款要抵押吗", "那保险呢") == ("insurance",)
    assert topic_switch("贷款要抵押吗", "那利息呢") == ()  # 利息 is still the loan topic
    assert topic_switch("贷款要抵押吗", "要带啥") == ()  # names no topic: stays with the previous one
