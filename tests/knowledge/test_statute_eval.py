"""The statute evaluation's own material: fictional statutes marked as such, and questions whose gold exists."""

from pathlib import Path

from knowledge.eval.statutes import QUESTIONS_FILE, STATUTE_DIR, article_rank, load_questions, summarise
from knowledge.ingest.loader import expand_paths, load_document
from knowledge.legal_basis import article_in
from knowledge.types import Chunk, DocumentMeta, Passage

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"


def test_every_fictional_statute_says_it_is_fictional_and_is_read_as_a_statute():
    files = expand_paths([STATUTE_DIR])
    assert len(files) >= 3
    for path in files:
        doc = load_document(path)
        assert doc.meta.kind == "statute"
        assert "虚构的测试材料" in doc.sections[0][1]


def test_the_question_set_is_large_enough_and_every_gold_article_exists():
    articles, guides = load_questions(QUESTIONS_FILE)
    assert len(articles) >= 40
    assert {q.lang for q in articles} == {"zh", "en"} and {q.who for q in articles} == {"farmer", "operator"}
    located = {
        (load_document(p).meta.doc_id, article_in(loc))
        for p in expand_paths([STATUTE_DIR])
        for loc, _ in load_document(p).sections
    }
    assert all((q.doc, q.article) in located for q in articles)
    assert all(g.basis in located for g in guides if g.basis is not None)
    corpus_ids = {p.stem for p in CORPUS.glob("*.md")}
    assert guides and all(g.guide in corpus_ids for g in guides)


def test_article_rank_counts_only_the_gold_article_of_the_gold_document():
    law = DocumentMeta(doc_id="law", title="条例", lang="zh", topic="general", kind="statute")
    other = DocumentMeta(doc_id="other", title="办法", lang="zh", topic="general", kind="statute")
    passages = [
        Passage(Chunk(0, other, "第一章 · 第五条", "第五条 甲"), 3.0, 1),
        Passage(Chunk(1, law, "第一章 · 第十五条", "第十五条 乙"), 2.0, 2),
        Passage(Chunk(2, law, "第一章 · 第五条", "第五条 丙"), 1.0, 3),
    ]
    assert article_rank(passages, "law", "第五条") == 3
    assert article_rank(passages, "law", "第六条") is None
    assert summarise([], [])["article_questions"] == 0


def test_unmatched_law_questions_ask_for_the_law():
    from knowledge.eval.statutes import load_unmatched
    from knowledge.legal_basis import asks_for_law

    unmatched = load_unmatched()
    assert len(unmatched) >= 5
    assert all(asks_for_law(question) for question, _ in unmatched)
