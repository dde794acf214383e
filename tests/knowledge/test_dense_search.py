"""The FAISS search structure: exact below the size limit, approximate above, and what the retriever gets from it."""

from pathlib import Path

import numpy as np
import pytest

from core.settings import NonghuiSettings
from knowledge import dense_search
from knowledge.bench_index import dense_step, exact_top, synthetic_queries, synthetic_vectors
from knowledge.builder import build_from_corpus
from knowledge.dense_search import DenseSearchSettings, dense_index_for, kind_of
from knowledge.embedding.fake import HashingEmbedder
from knowledge.index import KnowledgeIndex
from knowledge.retriever import HybridRetriever
from knowledge.tokenize import bm25_tokens


def _unit_rows(count: int, seed: int = 3) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((count, 32)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_an_index_up_to_the_limit_is_searched_exactly():
    index = dense_index_for(_unit_rows(200), DenseSearchSettings(exact_limit=200))
    assert kind_of(index) == "exact"
    assert index.ntotal == 200


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_an_index_above_the_limit_is_approximate_of_the_configured_kind(kind: str):
    settings = DenseSearchSettings(exact_limit=199, approximate=kind)  # type: ignore[arg-type]
    index = dense_index_for(_unit_rows(200), settings)
    assert kind_of(index) == kind
    assert index.ntotal == 200


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_the_approximate_index_finds_the_exact_top_ten_after_rescoring(kind: str):
    vectors = synthetic_vectors(6000, seed=5)
    queries = synthetic_queries(vectors, 60, seed=6)
    truth = exact_top(vectors, queries, 10)
    index = dense_index_for(vectors, DenseSearchSettings(exact_limit=0, approximate=kind))  # type: ignore[arg-type]
    hits = sum(
        len(set(dense_step(index, vectors, q, 100).tolist()) & set(t.tolist()))
        for q, t in zip(queries, truth, strict=True)
    )
    assert hits / (10 * len(queries)) >= 0.99


def test_exact_top_agrees_with_a_full_sort():
    vectors = _unit_rows(500)
    queries = _unit_rows(5, seed=9)
    expected = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    assert (exact_top(vectors, queries, 10) == expected).all()


def test_a_saved_approximate_index_is_loaded_and_searched_as_built(corpus: Path, tmp_path: Path):
    embedder = HashingEmbedder(dimension=64)
    build_from_corpus(corpus, tmp_path / "exact", embedder)
    built = KnowledgeIndex.load(tmp_path / "exact")
    approximate = KnowledgeIndex.create(
        built.chunks, built.vectors, built.manifest, built.ask_vectors, dense_search=DenseSearchSettings(exact_limit=2)
    )
    approximate.save(tmp_path / "approximate")
    assert kind_of(KnowledgeIndex.load(tmp_path / "approximate").dense) == "ivf"
    assert kind_of(built.dense) == "exact"
    exact = HybridRetriever(tmp_path / "exact", embedder)
    through_ivf = HybridRetriever(tmp_path / "approximate", embedder)
    for question in ("贷款要抵押吗", "先交保证金是骗子吗", "How soon must I report a crop loss?"):
        assert [p.chunk.chunk_id for p in through_ivf.search(question, 3)] == [
            p.chunk.chunk_id for p in exact.search(question, 3)
        ]


def test_the_builder_writes_the_approximate_index_above_the_configured_limit(corpus: Path, tmp_path: Path):
    build_from_corpus(
        corpus, tmp_path / "index", HashingEmbedder(dimension=64), dense_search=DenseSearchSettings(exact_limit=1)
    )
    assert kind_of(KnowledgeIndex.load(tmp_path / "index").dense) == "ivf"


def test_fused_scores_equal_the_exhaustive_z_score_mix_of_every_chunk(corpus: Path, tmp_path: Path):
    """With every chunk of a small index a candidate, the scores are the old exhaustive formula's."""
    embedder = HashingEmbedder(dimension=64)
    build_from_corpus(corpus, tmp_path / "index", embedder)
    index = KnowledgeIndex.load(tmp_path / "index")
    retriever = HybridRetriever(tmp_path / "index", embedder, ask_offset=None, kind_bonus=0.0, spelling=False)
    question = "贷款利率多少"
    vector = embedder.embed_queries([question])[0]
    dense = index.vectors @ vector
    lexical = np.asarray(index.bm25.get_scores(bm25_tokens(question)), dtype=np.float32)  # type: ignore[attr-defined]

    def z(x: np.ndarray) -> np.ndarray:
        return (x - x.mean()) / x.std()

    expected = 0.7 * z(dense) + 0.3 * z(lexical)
    passages = retriever.search(question, len(index.chunks))
    assert [p.chunk.chunk_id for p in passages][:3] == list(np.argsort(-expected, kind="stable")[:3])
    for p in passages:
        assert p.score == pytest.approx(float(expected[p.chunk.chunk_id]), abs=1e-4)


def test_a_search_leaves_faiss_on_the_configured_number_of_threads(corpus: Path, tmp_path: Path):
    import faiss

    embedder = HashingEmbedder(dimension=64)
    build_from_corpus(corpus, tmp_path / "index", embedder)
    dense_search.use_threads(2)
    HybridRetriever(tmp_path / "index", embedder, dense_settings=DenseSearchSettings(search_threads=1)).search(
        "贷款", 1
    )
    assert faiss.omp_get_max_threads() == 1


@pytest.mark.slow
def test_the_real_corpus_gives_the_same_top_results_through_faiss_as_scoring_every_chunk():
    """On the index setup built from the corpus, FAISS candidates give the exhaustive search's top five."""
    from knowledge.embedding.embedder import SentenceTransformerEmbedder
    from knowledge.eval.golden import load_golden

    settings = NonghuiSettings()
    index_dir, model = settings.resolved_index_dir, Path(settings.resolved_embedding_model)
    if not (index_dir / "manifest.json").is_file() or not (model / "modules.json").is_file():
        pytest.skip("needs the index and the model scripts/setup.sh builds")
    embedder = SentenceTransformerEmbedder(str(model), num_threads=1)
    chunk_count = len(KnowledgeIndex.load(index_dir).chunks)
    through_faiss = HybridRetriever(index_dir, embedder, candidates=20)
    every_chunk = HybridRetriever(index_dir, embedder, candidates=chunk_count)
    questions = [q for q in load_golden() if not q.out_of_scope][::4]
    differing = []
    for q in questions:
        got = [p.chunk.chunk_id for p in through_faiss.search(q.question, 5, lang=q.lang)]
        want = [p.chunk.chunk_id for p in every_chunk.search(q.question, 5, lang=q.lang)]
        if got != want:
            differing.append((q.qid, got, want))
    assert len(questions) > 50
    assert differing == []
