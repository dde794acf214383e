"""Benchmark of the dense search structure on synthetic indexes: `python -m knowledge.bench_index`.

For each size (10,000 / 100,000 / 1,000,000 chunks by default) it generates clustered L2-normalised 384-dim
vectors and queries near them, then reports for the exact flat index and each approximate kind: build time,
memory, the dense step's latency (FAISS candidates and their exact rescoring, p50 / p95 over single queries) and
recall@10 against exact search. `--fused` also times the whole hybrid search (`HybridRetriever.search`: dense and
BM25 candidates fused) over synthetic chunks with BM25 texts; the query embedding is timed on its own
(`--model`). A benchmark, not a test: figures depend on the machine and its load, which is printed with them.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge import dense_search
from knowledge.dense_search import DenseSearchSettings

DIMENSION = 384
TOP = 10
# Clustered like sentence embeddings: a shared direction, topic centres, and per-chunk noise.
SHARED, CENTRE, NOISE = 0.55, 0.65, 0.55


@dataclass
class Row:
    """One measured configuration."""

    size: int
    kind: str
    build_seconds: float
    index_mib: float
    p50_ms: float
    p95_ms: float
    cpu_p50_ms: float
    cpu_p95_ms: float
    recall: float
    note: str = ""


def load_average() -> str:
    """The machine's 1/5/15-minute load average, as printed with every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def synthetic_vectors(count: int, *, seed: int = 11, block: int = 100_000) -> npt.NDArray[np.float32]:
    """`count` clustered unit vectors (one topic centre per ~200 chunks), made block by block."""
    rng = np.random.default_rng(seed)
    shared = _unit(rng.standard_normal(DIMENSION).astype(np.float32))
    centres = _unit(rng.standard_normal((max(16, count // 200), DIMENSION)).astype(np.float32))
    out = np.empty((count, DIMENSION), dtype=np.float32)
    for start in range(0, count, block):
        size = min(block, count - start)
        topic = rng.integers(0, len(centres), size)
        noise = rng.standard_normal((size, DIMENSION)).astype(np.float32) / np.float32(np.sqrt(DIMENSION))
        out[start : start + size] = _unit(SHARED * shared + CENTRE * centres[topic] + NOISE * noise)
    return out


def synthetic_queries(vectors: npt.NDArray[np.float32], count: int, *, seed: int = 12) -> npt.NDArray[np.float32]:
    """Queries near random chunks (as a question is near the passage answering it), and the chunks they came from."""
    rng = np.random.default_rng(seed)
    picked = rng.integers(0, len(vectors), count)
    noise = rng.standard_normal((count, DIMENSION)).astype(np.float32) / np.float32(np.sqrt(DIMENSION))
    return _unit(np.asarray(vectors[picked]) + 0.6 * noise)


def exact_top(vectors: npt.NDArray[np.float32], queries: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
    """Ids of the k highest inner products of each query, computed block by block (no copy of the vectors)."""
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    best = np.zeros((len(queries), 0), dtype=np.float32)
    for start in range(0, len(vectors), 200_000):
        scores = queries @ vectors[start : start + 200_000].T
        ids = np.argpartition(-scores, min(k, scores.shape[1]) - 1, axis=1)[:, :k]
        best = np.hstack([best, np.take_along_axis(scores, ids, axis=1)])
        best_ids = np.hstack([best_ids, ids + start])
        keep = np.argsort(-best, axis=1)[:, :k]
        best, best_ids = np.take_along_axis(best, keep, axis=1), np.take_along_axis(best_ids, keep, axis=1)
    return best_ids


def dense_step(
    index: Any, vectors: npt.NDArray[np.float32], query: npt.NDArray[np.float32], candidates: int
) -> npt.NDArray[np.int64]:
    """What the retriever's dense step does: FAISS candidates, rescored exactly from the vectors, top 10."""
    ids = np.sort(dense_search.search(index, query, candidates)[0])
    scores = np.einsum("ij,j->i", np.asarray(vectors[ids]), query)
    return ids[np.argsort(-scores)[:TOP]]


def measure(
    size: int,
    kind: str,
    vectors: npt.NDArray[np.float32],
    queries: npt.NDArray[np.float32],
    truth: npt.NDArray[np.int64],
    settings: DenseSearchSettings,
    candidates: int,
) -> tuple[Row, Any]:
    """Build one index kind over `vectors`, then time and check single-query dense steps."""
    dense_search.use_threads(os.cpu_count() or 1)
    rss = _rss_mib()
    started = time.perf_counter()
    if kind == "exact":
        index = dense_search.dense_index_for(vectors, replace(settings, exact_limit=len(vectors)))
    else:
        index = dense_search.dense_index_for(vectors, replace(settings, exact_limit=0, approximate=kind))  # type: ignore[arg-type]
    build = time.perf_counter() - started
    grown = _rss_mib() - rss
    dense_search.use_threads(settings.search_threads)
    for query in queries[:5]:
        dense_step(index, vectors, query, candidates)
    seconds, cpu, hits = [], [], 0
    for query, expected in zip(queries, truth, strict=True):
        started, used = time.perf_counter(), time.thread_time()
        found = dense_step(index, vectors, query, candidates)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - used)
        hits += len(set(found.tolist()) & set(expected.tolist()))
    p50, p95 = np.percentile(np.asarray(seconds) * 1000, [50, 95])
    cpu50, cpu95 = np.percentile(np.asarray(cpu) * 1000, [50, 95])
    recall = hits / (TOP * len(queries))
    row = Row(size, kind, build, grown, float(p50), float(p95), float(cpu50), float(cpu95), recall)
    return row, index


def fused_latency(
    vectors: npt.NDArray[np.float32],
    queries: npt.NDArray[np.float32],
    index: Any,
    candidates: int,
) -> tuple[float, float, float, float, float]:
    """p50 / p95 wall and CPU time (ms) of `HybridRetriever.search` over synthetic chunks (BM25 included) with
    precomputed query vectors, and the time to build the BM25 index (s)."""
    import bm25s

    from knowledge.index import KnowledgeIndex
    from knowledge.manifest import Manifest
    from knowledge.retriever import HybridRetriever
    from knowledge.types import Chunk, DocumentMeta

    rng = np.random.default_rng(13)
    words = [_word(i) for i in range(20_000)]
    zipf = 1.0 / np.arange(1, len(words) + 1)
    zipf /= zipf.sum()
    doc = DocumentMeta(doc_id="synthetic", title="Synthetic", lang="en", topic="general")
    chunk_words = rng.choice(len(words), size=(len(vectors), 40), p=zipf)
    chunks = [Chunk(i, doc, "section", "") for i in range(len(vectors))]
    started = time.perf_counter()
    bm25 = bm25s.BM25()
    bm25.index([[words[w] for w in row] for row in chunk_words], show_progress=False)
    bm25_seconds = time.perf_counter() - started
    manifest = Manifest("synthetic", DIMENSION, len(chunks), "", "")
    knowledge = KnowledgeIndex(chunks, vectors, manifest, index, bm25, np.zeros((0, DIMENSION), dtype=np.float32))
    texts = {}
    for query in queries:
        row = chunk_words[int(rng.integers(0, len(vectors)))]
        texts[" ".join(words[w] for w in rng.choice(row, 4))] = query
    with tempfile.TemporaryDirectory() as tmp:
        retriever = HybridRetriever(Path(tmp), _TableEmbedder(texts), spelling=False, candidates=candidates)
        retriever._index = knowledge  # the synthetic index is never written to disk
        seconds, cpu = [], []
        for n, text in enumerate(texts):
            started, used = time.perf_counter(), time.thread_time()
            retriever.search(text, 5, lang="en")
            if n >= 5:
                seconds.append(time.perf_counter() - started)
                cpu.append(time.thread_time() - used)
    p50, p95 = np.percentile(np.asarray(seconds) * 1000, [50, 95])
    cpu50, cpu95 = np.percentile(np.asarray(cpu) * 1000, [50, 95])
    return float(p50), float(p95), float(cpu50), float(cpu95), bm25_seconds


def query_embedding_latency(model: str, count: int = 40) -> tuple[float, float]:
    """p50 / p95 (ms) of embedding one farmer question with the real model (single thread, as in production)."""
    from knowledge.embedding.embedder import SentenceTransformerEmbedder
    from knowledge.service import DEFAULT_QUERY_THREADS

    embedder = SentenceTransformerEmbedder(model, num_threads=DEFAULT_QUERY_THREADS)
    embedder.warm_up()
    questions = ["贷款要抵押吗", "How soon must I report a crop loss?", "脱贫户小额信贷最多能贷多少钱，要几年还清？"]
    seconds = []
    for n in range(count):
        started = time.perf_counter()
        embedder.embed_queries([f"{questions[n % len(questions)]} {n}"])
        seconds.append(time.perf_counter() - started)
    p50, p95 = np.percentile(np.asarray(seconds[3:]) * 1000, [50, 95])
    return float(p50), float(p95)


def render(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| chunks | search | build s | RSS growth MiB | dense step p50 / p95 ms | CPU p50 / p95 ms "
        "| recall@10 vs exact | note |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.size:,} | {r.kind} | {r.build_seconds:.1f} | {r.index_mib:.0f} | {r.p50_ms:.2f} / {r.p95_ms:.2f} | "
            f"{r.cpu_p50_ms:.2f} / {r.cpu_p95_ms:.2f} | {r.recall:.4f} | {r.note} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the sizes, print the table with the load average."""
    parser = argparse.ArgumentParser(prog="python -m knowledge.bench_index", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated chunk counts")
    parser.add_argument("--kinds", default="exact,hnsw,ivf", help="exact, hnsw, ivf (exact is skipped above 100k)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--candidates", type=int, default=100, help="dense candidates per query (the retriever's)")
    parser.add_argument("--ef-search", type=int, default=DenseSearchSettings.ef_search)
    parser.add_argument("--nprobe", type=int, default=DenseSearchSettings.nprobe)
    parser.add_argument("--fused", action="store_true", help="also time the whole hybrid search (BM25 included)")
    parser.add_argument("--fused-max", type=int, default=100_000, help="largest size for --fused")
    parser.add_argument("--model", help="also time the query embedding with this model")
    args = parser.parse_args(argv)
    settings = DenseSearchSettings(ef_search=args.ef_search, nprobe=args.nprobe)
    print(f"# bench_index: {load_average()}; settings {settings.describe()}", flush=True)
    if args.model:
        p50, p95 = query_embedding_latency(args.model)
        print(f"query embedding (one question, 1 thread): p50 {p50:.1f} ms, p95 {p95:.1f} ms; {load_average()}")
    rows: list[Row] = []
    for size in (int(s) for s in args.sizes.split(",")):
        vectors = synthetic_vectors(size)
        queries = synthetic_queries(vectors, args.queries)
        started = time.perf_counter()
        truth = exact_top(vectors, queries, TOP)
        print(f"{size:,} chunks: ground truth in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        for kind in args.kinds.split(","):
            if kind == "exact" and size > 100_000:
                continue
            row, index = measure(size, kind, vectors, queries, truth, settings, args.candidates)
            if args.fused and size <= args.fused_max:
                p50, p95, cpu50, cpu95, bm25_seconds = fused_latency(vectors, queries, index, args.candidates)
                row.note = (
                    f"fused search p50 / p95 {p50:.1f} / {p95:.1f} ms, CPU {cpu50:.1f} / {cpu95:.1f} ms "
                    f"(BM25 built in {bm25_seconds:.0f} s)"
                )
            row.note = f"{row.note}; {load_average()}".lstrip("; ")
            rows.append(row)
            print(render([row]).splitlines()[-1], flush=True)
            del index
            gc.collect()
        del vectors
        gc.collect()
    print()
    print(render(rows))
    print(f"\n{load_average()}")
    return 0


class _TableEmbedder:
    """An embedder answering benchmark queries from a table of precomputed vectors."""

    def __init__(self, table: dict[str, npt.NDArray[np.float32]]) -> None:
        self._table = table

    @property
    def dimension(self) -> int:
        """Vector length."""
        return DIMENSION

    @property
    def model_name(self) -> str:
        """A name for the manifest."""
        return "synthetic"

    def warm_up(self) -> None:
        """Nothing to load."""

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The stored vector of each benchmark query."""
        return np.stack([self._table[t] for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Not used by the benchmark."""
        raise NotImplementedError


def _word(n: int) -> str:
    """A letters-only synthetic word for BM25 ("ba", "ca", …)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    text = ""
    n += 26
    while n:
        n, r = divmod(n, 26)
        text += letters[r]
    return text


def _unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _rss_mib() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


if __name__ == "__main__":
    sys.exit(main())
