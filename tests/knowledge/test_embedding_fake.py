import numpy as np
import pytest

from knowledge.embedding import EmbeddingModelMissing, HashingEmbedder, SentenceTransformerEmbedder
from knowledge.types import Embedder


def test_hashing_embedder_returns_unit_float32_rows_of_its_dimension():
    embedder = HashingEmbedder(dimension=48)
    vectors = embedder.embed_passages(["贷款利息怎么算", "crop insurance claim", "😀"])
    assert vectors.shape == (3, 48)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_hashing_embedder_is_deterministic_across_instances():
    first = HashingEmbedder().embed_queries(["我想贷款买化肥"])
    second = HashingEmbedder().embed_queries(["我想贷款买化肥"])
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(
    ("query", "close", "far"),
    [
        ("贷款利息怎么算", "贷款利息是多少", "保险理赔材料"),
        ("how to claim crop insurance", "claim for crop insurance", "loan interest rate"),
    ],
)
def test_hashing_embedder_puts_similar_texts_closer_than_unrelated_ones(query, close, far):
    embedder = HashingEmbedder()
    q = embedder.embed_queries([query])[0]
    passages = embedder.embed_passages([close, far])
    assert float(passages[0] @ q) > float(passages[1] @ q)


def test_hashing_embedder_gives_blank_text_a_unit_vector():
    vectors = HashingEmbedder(dimension=16).embed_queries(["", "   "])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)


def test_hashing_embedder_returns_zero_rows_for_an_empty_batch():
    assert HashingEmbedder(dimension=8).embed_passages([]).shape == (0, 8)


def test_hashing_embedder_satisfies_the_embedder_protocol():
    embedder = HashingEmbedder(dimension=32)
    assert isinstance(embedder, Embedder)
    assert embedder.dimension == 32
    assert "32" in embedder.model_name


def test_hashing_embedder_rejects_a_dimension_below_two():
    with pytest.raises(ValueError):
        HashingEmbedder(dimension=1)


def test_sentence_transformer_embedder_does_not_load_on_construction(tmp_path):
    embedder = SentenceTransformerEmbedder(str(tmp_path / "absent"))
    assert embedder.model_name == str(tmp_path / "absent")


def test_sentence_transformer_embedder_reads_its_dimension_without_loading_the_model(tmp_path):
    (tmp_path / "model" / "1_Pooling").mkdir(parents=True)
    (tmp_path / "model" / "1_Pooling" / "config.json").write_text('{"word_embedding_dimension": 384}')
    embedder = SentenceTransformerEmbedder(str(tmp_path / "model"))
    assert embedder.dimension == 384
    assert isinstance(embedder, Embedder)


def test_sentence_transformer_embedder_reports_a_missing_model_directory(tmp_path):
    embedder = SentenceTransformerEmbedder(str(tmp_path / "absent"))
    with pytest.raises(EmbeddingModelMissing, match=r"knowledge\.embedding\.convert"):
        embedder.warm_up()


def test_sentence_transformer_embedder_reports_a_missing_model_on_first_embed(tmp_path):
    (tmp_path / "empty").mkdir()
    embedder = SentenceTransformerEmbedder(str(tmp_path / "empty"))
    with pytest.raises(EmbeddingModelMissing):
        embedder.embed_queries(["贷款"])
