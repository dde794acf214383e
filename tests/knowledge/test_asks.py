"""The ways farmers ask (`<!-- asks -->` blocks): parsed, indexed, searched, never shown."""

from pathlib import Path

import numpy as np
import pytest

from knowledge.answer import AnswerComposer
from knowledge.builder import build_from_corpus, ingest_files
from knowledge.embedding.fake import HashingEmbedder
from knowledge.index import KnowledgeIndex
from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.loader import load_document
from knowledge.ingest.markdown import read_markdown
from knowledge.retriever import HybridRetriever
from knowledge.service import KnowledgeService

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"

DOC_ASKED = """---
doc_id: rain-zh
title: 受灾报案
lang: zh
topic: insurance
---
# 受灾报案

## 受灾后先报案
<!-- asks
- 地让雹子砸了咋整
- hail flattened my wheat
-->
出险后要马上通知保险公司。保留现场照片。

## 赔款多久到
谈好金额后十天内付款。
"""


@pytest.fixture
def asked_corpus(corpus: Path) -> Path:
    (corpus / "rain-zh.md").write_text(DOC_ASKED, encoding="utf-8")
    return corpus


def test_asks_block_is_read_apart_from_the_section_text(asked_corpus: Path):
    doc = load_document(asked_corpus / "rain-zh.md")
    assert doc.sections[0] == ("受灾后先报案", "出险后要马上通知保险公司。保留现场照片。")
    assert doc.asks_of(0) == ("地让雹子砸了咋整", "hail flattened my wheat")
    assert doc.asks_of(1) == ()


def test_document_without_asks_has_none(corpus: Path):
    assert load_document(corpus / "loan-zh.md").asks == ()


def test_unclosed_asks_block_is_refused_naming_the_file(tmp_path: Path):
    path = tmp_path / "broken-zh.md"
    path.write_text("# 标题\n\n## 一节\n<!-- asks\n- 咋办\n正文。\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"broken-zh\.md: .*never closed"):
        load_document(path)


def test_index_stores_one_query_vector_per_ask_and_reloads_it(asked_corpus: Path, tmp_path: Path):
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(asked_corpus, tmp_path / "index", embedder)
    index = KnowledgeIndex.load(tmp_path / "index")
    asked = [c for c in index.chunks if c.asks]
    assert [c.locator for c in asked] == ["受灾后先报案"]
    assert index.ask_vectors.shape == (2, 256)
    expected = embedder.embed_queries(["地让雹子砸了咋整", "hail flattened my wheat"])
    assert np.allclose(index.ask_vectors, expected)


def test_rebuild_reuses_ask_vectors_and_follows_edited_asks(asked_corpus: Path, tmp_path: Path, monkeypatch):
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(asked_corpus, tmp_path / "index", embedder)
    embedded: list[str] = []
    original = embedder.embed_queries

    def counting(texts):
        embedded.extend(texts)
        return original(texts)

    monkeypatch.setattr(embedder, "embed_queries", counting)
    path = asked_corpus / "rain-zh.md"
    path.write_text(DOC_ASKED.replace("- hail flattened my wheat", "- 冰雹打了麦子赔不赔"), encoding="utf-8")
    ingest_files([path], tmp_path / "index", embedder)
    assert embedded == ["冰雹打了麦子赔不赔"]
    chunk = next(c for c in KnowledgeIndex.load(tmp_path / "index").chunks if c.asks)
    assert chunk.asks == ("地让雹子砸了咋整", "冰雹打了麦子赔不赔")


def test_a_question_worded_like_an_ask_finds_its_section_by_vector(asked_corpus: Path, tmp_path: Path):
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(asked_corpus, tmp_path / "index", embedder)
    with_asks = HybridRetriever(tmp_path / "index", embedder, ask_offset=-0.045)
    top = with_asks.search("hail flattened my wheat", k=1, mode="dense")[0]
    assert (top.doc_id, top.locator) == ("rain-zh", "受灾后先报案")
    assert top.ask_score == pytest.approx(1.0, abs=1e-5)
    assert top.dense_score < 0.5  # the section text itself shares no words with the question
    without = HybridRetriever(tmp_path / "index", embedder, ask_offset=None)
    assert without.search("hail flattened my wheat", k=1, mode="dense")[0].ask_score == -1.0


def test_a_dialect_question_finds_its_section_through_the_asks_in_bm25(asked_corpus: Path, tmp_path: Path):
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(asked_corpus, tmp_path / "index", embedder)
    top = HybridRetriever(tmp_path / "index", embedder).search("雹子砸了咋整", k=1, mode="bm25")[0]
    assert (top.doc_id, top.locator) == ("rain-zh", "受灾后先报案")


def test_asks_never_appear_in_an_answer(asked_corpus: Path, tmp_path: Path):
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(asked_corpus, tmp_path / "index", embedder)
    composer = AnswerComposer(min_dense=-1.0)  # the hashing fake's cosines are not calibrated: answer everything
    service = KnowledgeService(HybridRetriever(tmp_path / "index", embedder), composer)
    answer = service.answer("地让雹子砸了咋整", lang="zh")
    assert answer.confident
    assert answer.text.startswith("出险后要马上通知保险公司。")
    assert "雹子" not in answer.text and "hail" not in answer.text


def test_every_corpus_section_lists_three_to_twelve_ways_farmers_ask():
    wrong = []
    for path in sorted(CORPUS.glob("*.md")):
        if path.name == "README.md":
            continue
        meta, sections = read_markdown(path)
        for locator, text, asks in sections:
            if not 3 <= len(asks) <= 12 or any(ask in text for ask in asks):
                wrong.append((meta.doc_id, locator, len(asks)))
    assert wrong == []
