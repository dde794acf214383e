"""Quality floor on the golden test split with the real embedding model and an index built from the corpus."""

from pathlib import Path

import pytest

from knowledge.builder import build_from_corpus
from knowledge.eval.golden import load_golden
from knowledge.evaluate import evaluate, summarise
from knowledge.service import knowledge_service_for

MODEL = Path.home() / ".cache" / "nonghui" / "models" / "multilingual-e5-small"
CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"


@pytest.mark.slow
def test_golden_test_split_stays_above_the_quality_floor(tmp_path: Path):
    if not (MODEL / "modules.json").is_file():
        pytest.skip(f"converted embedding model not found at {MODEL}")
    from knowledge.embedding.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(str(MODEL), num_threads=1)
    build_from_corpus(CORPUS, tmp_path / "index", embedder)
    golden = [q for q in load_golden() if q.split == "test"]
    evaluation = evaluate(
        lambda d: knowledge_service_for(d, embedder), tmp_path / "index", golden, eval_dir=None, synthetic_chunks=0
    )
    figures = summarise(evaluation, "test")
    # Measured on the test split: fused R@5 0.993, R@1 0.899, key fact 0.906, false abstention 0.022, zh OOS 0.938.
    # The floors are the targets, except key fact (one question of slack below its 0.9 target).
    assert figures["hybrid_r5"] >= 0.97
    assert figures["hybrid_r1"] >= 0.85
    assert figures["key_fact_rate"] >= 0.89
    assert figures["false_abstention"] <= 0.05
    assert figures["oos_abstention_zh"] is not None and figures["oos_abstention_zh"] >= 0.9
