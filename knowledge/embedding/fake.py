"""Deterministic, model-free embedder for tests: hashed character n-grams, L2-normalised."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


class HashingEmbedder:
    """Hashes character 1- to 3-grams into a fixed-size signed vector; similar texts share n-grams."""

    def __init__(self, dimension: int = 64, ngram_sizes: tuple[int, ...] = (1, 2, 3)) -> None:
        if dimension < 2:
            raise ValueError("dimension must be at least 2")
        self._dimension = dimension
        self._ngram_sizes = ngram_sizes

    @property
    def dimension(self) -> int:
        """Length of every vector."""
        return self._dimension

    @property
    def model_name(self) -> str:
        """Name recorded in index manifests."""
        return f"hashing-ngrams-{self._dimension}"

    def warm_up(self) -> None:
        """Nothing to load."""

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed queries (same space as passages, no prompt)."""
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed passages."""
        return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._vector(text)
        return out

    def _vector(self, text: str) -> npt.NDArray[np.float32]:
        cleaned = " ".join(unicodedata.normalize("NFKC", text).lower().split())
        vector = np.zeros(self._dimension, dtype=np.float64)
        padded = f" {cleaned} "
        for size in self._ngram_sizes:
            for start in range(max(len(padded) - size + 1, 0)):
                gram = padded[start : start + size]
                if gram.isspace():
                    continue
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self._dimension
                sign = 1.0 if digest[4] & 1 else -1.0
                vector[bucket] += sign * size
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            # Empty or blank text: a fixed unit vector keeps every output normalised.
            vector[0] = 1.0
            norm = 1.0
        return (vector / norm).astype(np.float32)
