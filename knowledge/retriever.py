"""Hybrid retrieval: dense (FAISS inner product) and BM25 candidates fused by reciprocal rank."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from knowledge.index import KnowledgeIndex
from knowledge.normalize import normalize_query
from knowledge.tokenize import tokenize
from knowledge.types import Embedder, Lang, Passage


class HybridRetriever:
    """Searches a built index; loads the index and the model lazily (`warm_up`)."""

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        *,
        candidates: int = 30,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        bm25_weight: float = 1.0,
        lang_boost: float = 1.15,
        foreign_region_penalty: float = 0.8,
    ) -> None:
        self._index_dir = index_dir
        self._embedder = embedder
        self._candidates = candidates
        self._rrf_k = rrf_k
        self._weights = {"dense": dense_weight, "bm25": bm25_weight}
        self._lang_boost = lang_boost
        self._region_penalty = foreign_region_penalty
        self._index: KnowledgeIndex | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> KnowledgeIndex:
        """The loaded index (loaded on first access)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = KnowledgeIndex.load(self._index_dir)
        return self._index

    def warm_up(self) -> None:
        """Load the index, the embedding model and the tokenizer dictionary now."""
        _ = self.index
        self._embedder.warm_up()
        tokenize("预热")

    def search(
        self, query: str, k: int = 5, *, lang: Lang | None = None, region: str | None = None, mode: str = "hybrid"
    ) -> list[Passage]:
        """Return the k best passages; mode is "hybrid", "dense" or "bm25"."""
        index = self.index
        query = normalize_query(query)
        if not index.chunks or not query:
            return []
        n = min(self._candidates, len(index.chunks))
        ranked: dict[str, list[tuple[int, float]]] = {}
        dense_scores: dict[int, float] = {}
        bm25_scores: dict[int, float] = {}
        vector = None
        if mode in ("hybrid", "dense"):
            vector = np.ascontiguousarray(self._embedder.embed_queries([query]), dtype=np.float32)
            scores, ids = index.dense.search(vector, n)  # type: ignore[attr-defined]
            ranked["dense"] = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
            dense_scores = dict(ranked["dense"])
        if mode in ("hybrid", "bm25"):
            tokens = tokenize(query)
            if tokens:
                all_scores = index.bm25.get_scores(tokens)  # type: ignore[attr-defined]
                top = np.argsort(-all_scores)[:n]
                ranked["bm25"] = [(int(i), float(all_scores[i])) for i in top if all_scores[i] > 0]
                bm25_scores = dict(ranked["bm25"])
        fused: dict[int, float] = {}
        ranks: dict[int, dict[str, int]] = {}
        for name, hits in ranked.items():
            for rank, (chunk_idx, _score) in enumerate(hits, start=1):
                fused[chunk_idx] = fused.get(chunk_idx, 0.0) + self._weights[name] / (self._rrf_k + rank)
                ranks.setdefault(chunk_idx, {})[name] = rank
        for chunk_idx in fused:
            doc = index.chunks[chunk_idx].doc
            if lang and doc.lang == lang:
                fused[chunk_idx] *= self._lang_boost
            if region and doc.region not in ("national", region):
                fused[chunk_idx] *= self._region_penalty
        order = sorted(fused, key=lambda i: -fused[i])[:k]
        if vector is not None:
            for i in order:
                if i not in dense_scores:  # found by BM25 only: score it exactly for the confidence check
                    dense_scores[i] = float(index.vectors[i] @ vector[0])
        return [
            Passage(
                chunk=index.chunks[i],
                score=fused[i],
                rank=r,
                ranks=ranks[i],
                dense_score=dense_scores.get(i, 0.0),
                bm25_score=bm25_scores.get(i, 0.0),
            )
            for r, i in enumerate(order, start=1)
        ]
