"""A synthetic large index for latency measurement: the real chunks plus generated ones with random vectors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from core.lang import Lang
from knowledge.index import KnowledgeIndex
from knowledge.tokenize import tokenize
from knowledge.types import Chunk, DocumentMeta


def enlarge_index(source: KnowledgeIndex, target_dir: Path, total_chunks: int, *, seed: int = 7) -> int:
    """Write into `target_dir` an index holding `source`'s chunks plus synthetic ones up to `total_chunks`.

    Synthetic chunks get text made of words drawn from the real chunks (so BM25 postings look realistic)
    and random unit vectors; returns the number of chunks written."""
    rng = np.random.default_rng(seed)
    vocabulary = sorted({token for chunk in source.chunks for token in tokenize(chunk.text) if len(token) > 1})
    if not vocabulary:
        vocabulary = ["synthetic"]
    extra = max(0, total_chunks - len(source.chunks))
    chunks = list(source.chunks)
    for n in range(extra):
        lang: Lang = "zh" if n % 2 == 0 else "en"
        doc = DocumentMeta(doc_id=f"synthetic-{n // 10:04d}", title=f"Synthetic {n // 10}", lang=lang, topic="general")
        words = rng.choice(len(vocabulary), size=int(rng.integers(30, 90)))
        joiner = "" if lang == "zh" else " "
        chunks.append(Chunk(len(chunks), doc, f"section {n % 10}", joiner.join(vocabulary[i] for i in words)))
    dimension = source.manifest.dimension
    random_vectors = rng.standard_normal((extra, dimension)).astype(np.float32)
    random_vectors /= np.linalg.norm(random_vectors, axis=1, keepdims=True)
    vectors = np.vstack([source.vectors.astype(np.float32), random_vectors])
    manifest = replace(source.manifest, chunk_count=len(chunks), documents=list(source.manifest.documents))
    KnowledgeIndex.create(chunks, vectors, manifest, source.ask_vectors).save(target_dir)
    return len(chunks)
