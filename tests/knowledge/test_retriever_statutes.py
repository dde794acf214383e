from pathlib import Path

from knowledge.builder import ingest_files
from knowledge.embedding.fake import HashingEmbedder
from knowledge.retriever import HybridRetriever
from tests.knowledge.ingest.statute_texts import paragraphs

GUIDE = """---
doc_id: claims-zh
title: 农业保险理赔
lang: zh
topic: insurance
---
# 农业保险理赔

## 受灾后要及时报案
投保农户受灾后要及时报案，可以打电话报案，也可以请协保员代为报案。

## 赔款多久到账
保险公司核定后十日内支付赔款，打入农户本人账户。
"""


def _retriever(tmp_path: Path, **settings: float) -> HybridRetriever:
    (tmp_path / "claims-zh.md").write_text(GUIDE, encoding="utf-8")
    (tmp_path / "regulation.txt").write_text("\n\n".join(paragraphs()), encoding="utf-8")
    embedder = HashingEmbedder(dimension=256)
    ingest_files([tmp_path / "claims-zh.md", tmp_path / "regulation.txt"], tmp_path / "index", embedder)
    return HybridRetriever(tmp_path / "index", embedder, **settings)


def test_a_question_asking_for_the_law_ranks_statute_articles_first(tmp_path: Path):
    retriever = _retriever(tmp_path)
    farmer = retriever.search("受灾后怎么报案", k=1)[0]
    assert not farmer.chunk.doc.is_statute
    law = retriever.search("受灾后怎么报案，条例里怎么规定的", k=1)[0]
    assert law.chunk.doc.is_statute and law.locator.endswith("第三条")


def test_the_article_a_question_names_is_ranked_first(tmp_path: Path):
    retriever = _retriever(tmp_path)
    assert retriever.search("示范条例第四条之一说了什么", k=1)[0].locator.endswith("第四条之一")
    assert retriever.search("What does Article 5 of the regulation say?", k=1)[0].locator.endswith("第五条")


def test_without_the_law_bonus_the_ranking_is_plain_fusion(tmp_path: Path):
    plain = _retriever(tmp_path, law_bonus=0.0, article_bonus=0.0)
    boosted = HybridRetriever(tmp_path / "index", HashingEmbedder(dimension=256))
    question = "受灾后怎么报案，条例里怎么规定的"
    assert plain.search(question, k=1)[0].score < boosted.search(question, k=1)[0].score
