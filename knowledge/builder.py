"""Building and updating the index from documents, re-embedding only what changed."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.errors import NonghuiError
from knowledge.dense_search import DenseSearchSettings
from knowledge.index import IndexMissing, KnowledgeIndex, ask_key, embed_text, text_key
from knowledge.ingest.loader import ParsedDocument, dependencies, expand_paths, load_documents
from knowledge.manifest import DocumentRecord, Manifest
from knowledge.types import Chunk, Embedder

log = logging.getLogger(__name__)
CHUNKER_VERSION = "md-sections-v5-statutes"
# Texts handed to the embedder at a time (knowledge/README.md, *Capacity*).
EMBED_BATCH = 64
ProgressFactory = Callable[[int, str], "Progress"]


class Progress:
    """Minimal progress sink; the CLI passes a tqdm-backed one."""

    def update(self, n: int) -> None:
        """Advance by n items."""

    def close(self) -> None:
        """Finish."""


@dataclass
class BuildReport:
    """What a build or ingest did: documents added/replaced/unchanged/removed and per-file problems."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    embedded_chunks: int = 0
    manifest: Manifest | None = None


def corpus_hash(files: Sequence[Path], model: str) -> str:
    """Hash of the corpus files' names and contents (with a catalogue's subtitles), chunker version and model."""
    digest = hashlib.sha256(f"{CHUNKER_VERSION}|{model}".encode())
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        for dependency in dependencies(path):
            digest.update(dependency.name.encode())
            digest.update(hashlib.sha256(dependency.read_bytes()).digest())
    return digest.hexdigest()[:32]


def build_from_corpus(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    force: bool = False,
    progress: ProgressFactory | None = None,
    extra_sources: Sequence[Path] = (),
    dense_search: DenseSearchSettings | None = None,
) -> BuildReport:
    """Make `index_dir` mirror `corpus_dir` plus `extra_sources` (e.g. the video catalogue); skips unchanged.

    `dense_search`: when the FAISS structure is exact or approximate (knowledge/dense_search.py)."""
    files = expand_paths([corpus_dir, *(p for p in extra_sources if p.exists())])
    wanted_hash = corpus_hash(files, embedder.model_name)
    current = Manifest.load(index_dir)
    if current and current.corpus_hash == wanted_hash and not force:
        return BuildReport(unchanged=[d.doc_id for d in current.documents], manifest=current)
    report = ingest_files(files, index_dir, embedder, replace_all=True, progress=progress, dense_search=dense_search)
    if report.manifest is not None:
        report.manifest.corpus_hash = wanted_hash
        report.manifest.save(index_dir)
    return report


def ingest_files(
    paths: Sequence[Path],
    index_dir: Path,
    embedder: Embedder,
    *,
    replace_all: bool = False,
    progress: ProgressFactory | None = None,
    dense_search: DenseSearchSettings | None = None,
) -> BuildReport:
    """Add (or replace, by doc_id) documents in an index; with replace_all, documents not given are removed."""
    report = BuildReport()
    previous = _load_or_none(index_dir)
    if previous is not None and previous.manifest.model != embedder.model_name:
        log.info(
            "embedding model changed (%s → %s): re-embedding everything", previous.manifest.model, embedder.model_name
        )
        previous_vectors: dict[str, npt.NDArray[np.float32]] = {}
    else:
        previous_vectors = previous.stored_vectors(index_dir) if previous else {}
    old_docs = {d.doc_id: d for d in previous.manifest.documents} if previous else {}

    docs: dict[str, ParsedDocument] = {}
    seen_hashes: dict[str, str] = {}
    for path in expand_paths(paths):
        try:
            loaded = load_documents(path)
        except NonghuiError as err:
            report.problems.append(str(err))
            continue
        except Exception as err:  # a broken file must not stop the batch
            report.problems.append(f"{path.name}: cannot be read ({type(err).__name__}: {err})")
            continue
        report.problems.extend(loaded.problems)
        for doc in loaded.documents:
            if doc.sha256 in seen_hashes:
                report.problems.append(f"{doc.label}: duplicate of {seen_hashes[doc.sha256]}, skipped")
                continue
            if doc.meta.doc_id in docs:
                report.problems.append(f"{doc.label}: doc_id {doc.meta.doc_id!r} already used in this batch, skipped")
                continue
            seen_hashes[doc.sha256] = doc.label
            docs[doc.meta.doc_id] = doc

    kept_chunks: list[Chunk] = []
    if previous is not None and not replace_all:
        kept_chunks = [c for c in previous.chunks if c.doc.doc_id not in docs]
    for doc_id, doc in docs.items():
        old = old_docs.get(doc_id)
        if old is None:
            report.added.append(doc_id)
        elif old.sha256 == doc.sha256:
            report.unchanged.append(doc_id)
        else:
            report.replaced.append(doc_id)
    if replace_all:
        report.removed = sorted(set(old_docs) - set(docs))

    new_chunks = [
        Chunk(0, d.meta, loc, text, d.start_of(i), d.asks_of(i))
        for d in docs.values()
        for i, (loc, text) in enumerate(d.sections)
    ]
    chunks = [
        Chunk(i, c.doc, c.locator, c.text, c.start_seconds, c.asks) for i, c in enumerate(kept_chunks + new_chunks)
    ]
    vectors, embedded = _vectors_for(chunks, embedder, previous_vectors, progress)
    ask_vectors, _ = _ask_vectors_for(chunks, embedder, previous_vectors, progress)
    report.embedded_chunks = embedded

    records = [r for r in (old_docs.values() if not replace_all else []) if r.doc_id not in docs]
    for doc in docs.values():
        records.append(
            DocumentRecord(
                doc_id=doc.meta.doc_id,
                source=doc.source,
                sha256=doc.sha256,
                title=doc.meta.title,
                lang=doc.meta.lang,
                topic=doc.meta.topic,
                chunks=len(doc.sections),
                kind=doc.meta.kind,
            )
        )
    manifest = Manifest(
        model=embedder.model_name,
        dimension=embedder.dimension,
        chunk_count=len(chunks),
        corpus_hash=previous.manifest.corpus_hash if previous and not replace_all else "",
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        documents=sorted(records, key=lambda r: r.doc_id),
    )
    KnowledgeIndex.create(chunks, vectors, manifest, ask_vectors, dense_search=dense_search).save(index_dir)
    report.manifest = manifest
    return report


def _load_or_none(index_dir: Path) -> KnowledgeIndex | None:
    try:
        return KnowledgeIndex.load(index_dir)
    except IndexMissing:
        return None


def _vectors_for(
    chunks: list[Chunk],
    embedder: Embedder,
    cache: dict[str, npt.NDArray[np.float32]],
    progress: ProgressFactory | None,
) -> tuple[npt.NDArray[np.float32], int]:
    texts = [embed_text(c) for c in chunks]
    keys = [text_key(t) for t in texts]
    return _embed_missing(texts, keys, embedder.embed_passages, embedder, cache, progress, "embedding")


def _ask_vectors_for(
    chunks: list[Chunk],
    embedder: Embedder,
    cache: dict[str, npt.NDArray[np.float32]],
    progress: ProgressFactory | None,
) -> tuple[npt.NDArray[np.float32], int]:
    """One vector per farmer question, embedded as a query (it is compared with the farmer's own question)."""
    asks = [a for c in chunks for a in c.asks]
    keys = [ask_key(a) for a in asks]
    return _embed_missing(asks, keys, embedder.embed_queries, embedder, cache, progress, "embedding asks")


def _embed_missing(
    texts: list[str],
    keys: list[str],
    embed: Callable[[Sequence[str]], npt.NDArray[np.float32]],
    embedder: Embedder,
    cache: dict[str, npt.NDArray[np.float32]],
    progress: ProgressFactory | None,
    label: str,
) -> tuple[npt.NDArray[np.float32], int]:
    """Vectors for texts, taken from the cache by key where possible; returns them and how many were embedded."""
    # Longest first, so texts of about the same length share a batch (less padding) and the progress bar's
    # estimate only improves.
    missing = sorted((i for i, k in enumerate(keys) if k not in cache), key=lambda i: -len(texts[i]))
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in cache:
            vectors[i] = cache[key]
    bar = progress(len(missing), label) if progress and missing else Progress()
    batch = EMBED_BATCH
    for start in range(0, len(missing), batch):
        ids = missing[start : start + batch]
        vectors[ids] = embed([texts[i] for i in ids])
        bar.update(len(ids))
    bar.close()
    return vectors, len(missing)
