from pathlib import Path

import pytest

from knowledge.answer import AnswerComposer, extract
from knowledge.builder import build_from_corpus
from knowledge.embedding.fake import HashingEmbedder
from knowledge.retriever import HybridRetriever
from knowledge.service import KnowledgeService


@pytest.fixture
def retriever(corpus: Path, tmp_path: Path) -> HybridRetriever:
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(corpus, tmp_path / "index", embedder)
    return HybridRetriever(tmp_path / "index", embedder)


def test_hybrid_search_ranks_the_matching_section_first(retriever: HybridRetriever):
    passages = retriever.search("小额信贷能贷多少万元", k=3)
    assert passages[0].doc_id == "loan-zh"
    assert passages[0].locator == "能贷多少"
    assert passages[0].ranks.keys() == {"dense", "bm25"}
    assert [p.rank for p in passages] == [1, 2, 3]


def test_bm25_tolerates_the_common_typo_daikuan(retriever: HybridRetriever):
    passages = retriever.search("代款要先交解冻费吗", k=1, mode="bm25")
    assert passages[0].doc_id == "scam-zh"


def test_empty_query_returns_nothing(retriever: HybridRetriever):
    assert retriever.search("   ", k=3) == []


def test_language_boost_prefers_documents_in_the_farmers_language(retriever: HybridRetriever):
    passages = retriever.search("insurance loss report 报损", k=3, lang="en")
    assert passages[0].doc_id == "insurance-en"


def test_answer_cites_title_and_section_and_flags_local_variation(retriever: HybridRetriever):
    service = KnowledgeService(retriever, AnswerComposer(min_dense=0.0))
    answer = service.answer("小额信贷能贷多少", lang="zh")
    assert answer.confident
    assert answer.text.startswith("脱贫人口小额信贷每户原则上不超过5万元。")
    assert "各地规定不同" in answer.text
    assert answer.sources[0].title == "小额信贷额度"
    assert answer.sources[0].locator == "能贷多少"


def test_answer_abstains_below_confidence_floor(retriever: HybridRetriever):
    service = KnowledgeService(retriever, AnswerComposer(min_dense=1.01, min_bm25=float("inf")))
    answer = service.answer("明天下雨吗", lang="zh")
    assert not answer.confident
    assert answer.sources == []


def test_extract_keeps_lead_sentence_and_stays_within_phone_length():
    text = (
        "第一句是直接回答。"
        + "".join(f"第{i}句讲别的事情，内容比较长比较长。" for i in range(30))
        + "利息补贴由县里定。"
    )
    short = extract("利息补贴谁定", text, "zh")
    assert short.startswith("第一句是直接回答。")
    assert "利息补贴由县里定。" in short
    assert len(short) <= 200


def test_extract_counts_english_in_words():
    text = "Report the loss at once. " + " ".join(["Filler sentence with several words."] * 40) + " Keep photos."
    short = extract("photos of the loss", text, "en")
    assert short.startswith("Report the loss at once.")
    assert "Keep photos." in short
    assert len(short.split()) <= 80
