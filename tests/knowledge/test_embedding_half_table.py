"""A model stored in float16 keeps its word table in float16 (half the memory) and gives the same vectors."""

from pathlib import Path

import numpy as np
import pytest

from core.settings import NonghuiSettings
from knowledge.embedding.embedder import _local_weights_are_half


def _write_safetensors(directory: Path, dtype: str) -> None:
    from safetensors.numpy import save_file

    tensors = {"embeddings.word_embeddings.weight": np.ones((4, 2), dtype=dtype), "ids": np.arange(3)}
    save_file(tensors, str(directory / "model.safetensors"))


def test_a_model_whose_floating_tensors_are_all_float16_is_read_as_half(tmp_path):
    _write_safetensors(tmp_path, "float16")
    assert _local_weights_are_half(tmp_path) is True


def test_a_float32_model_or_a_missing_file_is_read_as_float32(tmp_path):
    assert _local_weights_are_half(tmp_path) is False
    _write_safetensors(tmp_path, "float32")
    assert _local_weights_are_half(tmp_path) is False
    (tmp_path / "model.safetensors").write_bytes(b"\xff" * 16)
    assert _local_weights_are_half(tmp_path) is False


@pytest.mark.slow
def test_the_word_table_stays_half_and_the_vectors_equal_those_of_the_float32_model():
    import torch
    from sentence_transformers import SentenceTransformer

    from knowledge.embedding.embedder import SentenceTransformerEmbedder

    model = Path(NonghuiSettings().resolved_embedding_model)
    if not (model / "modules.json").is_file():
        pytest.skip(f"converted embedding model not found at {model}")
    embedder = SentenceTransformerEmbedder(str(model), num_threads=1, trace_queries=False, bf16_batches=False)
    encoder = embedder._load()[0].auto_model
    assert encoder.get_input_embeddings().weight.dtype == torch.float16
    others = {p.dtype for name, p in encoder.named_parameters() if "word_embeddings" not in name}
    assert others == {torch.float32}

    texts = ["扶贫小额信贷要抵押吗", "How soon must I report a crop loss?", "种植险" * 40]
    wide = SentenceTransformer(str(model), device="cpu", local_files_only=True, model_kwargs={"dtype": torch.float32})
    reference = wide.encode(texts, prompt="passage: ", batch_size=1, normalize_embeddings=True)
    got = embedder.embed_passages(texts)
    assert np.abs(got - reference).max() < 1e-6
