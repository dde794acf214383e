"""Passages embedded in length-sorted batches on several threads keep their order and their vectors."""

from pathlib import Path

import numpy as np
import pytest

from core.settings import NonghuiSettings


@pytest.mark.slow
def test_batches_on_two_workers_give_sentence_transformers_own_vectors_in_input_order():
    from knowledge.embedding.embedder import SentenceTransformerEmbedder

    model = Path(NonghuiSettings().resolved_embedding_model)
    if not (model / "modules.json").is_file():
        pytest.skip(f"converted embedding model not found at {model}")
    texts = [f"{'脱贫人口小额信贷' * (n % 7 + 1)} 第{n}段" for n in range(20)] + ["Report a crop loss early."] * 3
    embedder = SentenceTransformerEmbedder(str(model), num_threads=1, workers=2, batch_size=4, trace_queries=False)
    got = embedder.embed_passages(texts)
    reference = embedder._load().encode(texts, prompt="passage: ", batch_size=1, normalize_embeddings=True)
    assert got.shape == (len(texts), embedder.dimension)
    # bfloat16 batches (on CPUs that have the instructions) stay within 1e-5 of the float32 vectors.
    assert float((got * reference).sum(axis=1).min()) > 0.9999
    assert np.allclose(got[-1], got[-2])
