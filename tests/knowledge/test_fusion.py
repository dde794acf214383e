from pathlib import Path

import pytest

from knowledge.builder import build_from_corpus
from knowledge.embedding.fake import HashingEmbedder
from knowledge.index import bm25_text
from knowledge.retriever import HybridRetriever
from knowledge.tokenize import bm25_tokens
from knowledge.types import Chunk, DocumentMeta

LOCAL_DOC = """---
doc_id: local-zh
title: 某县小额信贷
lang: zh
topic: loan
region: 某县
---
# 某县小额信贷

## 能贷多少
某县脱贫人口小额信贷每户原则上不超过5万元。
"""


@pytest.fixture
def retriever(corpus: Path, tmp_path: Path) -> HybridRetriever:
    (corpus / "local-zh.md").write_text(LOCAL_DOC, encoding="utf-8")
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(corpus, tmp_path / "index", embedder)
    return HybridRetriever(tmp_path / "index", embedder)


def test_bm25_tokens_are_cjk_bigrams_characters_and_latin_words_without_jieba_words():
    tokens = bm25_tokens("小额信贷 LPR rate")
    assert tokens == ["小额", "额信", "信贷", "小", "额", "信", "贷", "lpr", "rate"]


def test_bm25_text_repeats_the_heading_after_the_title():
    doc = DocumentMeta(doc_id="d", title="标题", lang="zh", topic="loan")
    assert bm25_text(Chunk(0, doc, "能贷多少", "正文")) == "标题\n能贷多少\n能贷多少\n正文"
    assert bm25_text(Chunk(0, doc, "▶ 02:13", "字幕")) == "标题\n字幕"


def test_every_mode_returns_k_ranked_passages_with_both_scores(retriever: HybridRetriever):
    for mode in ("hybrid", "dense", "bm25"):
        passages = retriever.search("小额信贷能贷多少万元", k=3, mode=mode)
        assert [p.rank for p in passages] == [1, 2, 3]
        assert passages[0].score >= passages[1].score >= passages[2].score
    hybrid = retriever.search("小额信贷能贷多少万元", k=1)[0]
    assert hybrid.bm25_score > 0 and hybrid.dense_score > 0


def test_bm25_mode_ranks_by_word_overlap_only(retriever: HybridRetriever):
    passages = retriever.search("解冻费 保证金", k=1, mode="bm25")
    assert passages[0].doc_id == "scam-zh"
    assert "dense" not in passages[0].ranks


def test_unknown_mode_is_refused(retriever: HybridRetriever):
    with pytest.raises(ValueError):
        retriever.search("小额信贷", mode="magic")


def test_other_regions_documents_are_pushed_down_and_the_home_region_is_preferred(retriever: HybridRetriever):
    elsewhere = retriever.search("小额信贷能贷多少", k=5, region="别的县")
    home = retriever.search("小额信贷能贷多少", k=5, region="某县")
    rank_elsewhere = next(p.rank for p in elsewhere if p.doc_id == "local-zh")
    rank_home = next(p.rank for p in home if p.doc_id == "local-zh")
    assert rank_home == 1
    assert rank_elsewhere > rank_home


def test_query_without_any_indexed_word_still_gets_dense_results(retriever: HybridRetriever):
    passages = retriever.search("zzzz qqqq", k=2)
    assert len(passages) == 2
    assert all("bm25" not in p.ranks for p in passages)


KIND_DOC = """---
doc_id: kinds-zh
title: 报案
lang: zh
topic: insurance
---
# 报案

## 受灾后要马上报案吗
受灾后要马上报案，先报案再处理别的事，报案越早越好。

## 报案有多长时限
报案一般不能超过保单写的期限，越早越好。
"""


def test_a_section_whose_heading_asks_the_same_kind_of_value_gains_the_kind_bonus(corpus: Path, tmp_path: Path):
    (corpus / "kinds-zh.md").write_text(KIND_DOC, encoding="utf-8")
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(corpus, tmp_path / "index", embedder)
    plain = HybridRetriever(tmp_path / "index", embedder, kind_bonus=0.0)
    boosted = HybridRetriever(tmp_path / "index", embedder, kind_bonus=0.3)
    question = "受灾了多久之内要报案"
    before = {p.locator: p.score for p in plain.search(question, k=10)}
    after = {p.locator: p.score for p in boosted.search(question, k=10)}
    assert after["报案有多长时限"] == pytest.approx(before["报案有多长时限"] + 0.3, abs=1e-5)
    assert after["受灾后要马上报案吗"] == pytest.approx(before["受灾后要马上报案吗"], abs=1e-5)
    dense_only = {p.locator: p.score for p in boosted.search(question, k=10, mode="dense")}
    assert dense_only["报案有多长时限"] == pytest.approx(
        {p.locator: p.score for p in plain.search(question, k=10, mode="dense")}["报案有多长时限"], abs=1e-5
    )
