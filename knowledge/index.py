"""The on-disk hybrid index: chunks, dense vectors (numpy) and their FAISS search structure, BM25, and the manifest."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.errors import NonghuiError
from knowledge.dense_search import DenseSearchSettings, dense_index_for
from knowledge.manifest import Manifest
from knowledge.tokenize import bm25_tokens
from knowledge.types import Chunk, DocumentMeta

CHUNKS_FILE = "chunks.jsonl"
VECTORS_FILE = "vectors.npy"
ASK_VECTORS_FILE = "ask_vectors.npy"
FAISS_FILE = "dense.faiss"
BM25_DIR = "bm25"


class IndexMissing(NonghuiError):
    """No usable index at the given directory (never built, or built in another format)."""


def embed_text(chunk: Chunk) -> str:
    """The text embedded for a chunk: its section heading (or the title when it has none) gives context.

    The document title is left out otherwise: shared by every section, it blurs them together."""
    head = chunk.locator if chunk.locator and not chunk.locator.startswith("¶") else chunk.doc.title
    return f"{head}\n{chunk.text}"


def bm25_text(chunk: Chunk) -> str:
    """The text BM25 indexes for a chunk: document title, the section heading twice, the text, then the asks.

    Headings are written as the question a section answers, so they weigh double; measured on the golden
    dev split, BM25 Recall@1 went from 0.729 (heading + text) to 0.783 (title + 2 × heading + text).
    The ways farmers ask about the section add their everyday words (咋、啥、代款) to the same field."""
    head = chunk.locator if chunk.locator and not chunk.locator.startswith(("¶", "▶")) else ""
    return "\n".join(part for part in (chunk.doc.title, head, head, chunk.text, *chunk.asks) if part)


def text_key(text: str) -> str:
    """Stable key of an embedded text, used to reuse vectors across rebuilds."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def ask_key(ask: str) -> str:
    """Stable key of a farmer question's vector (embedded as a query, so kept apart from passage keys)."""
    return text_key(f"ask\n{ask}")


def ask_groups(chunks: list[Chunk]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(chunks that have asks, offset of each one's first ask vector): ask vectors are stored chunk by chunk."""
    owners = [i for i, c in enumerate(chunks) if c.asks]
    counts = [len(chunks[i].asks) for i in owners]
    starts = np.cumsum([0, *counts[:-1]]) if counts else np.zeros(0)
    return np.asarray(owners, dtype=np.int64), np.asarray(starts, dtype=np.int64)


@dataclass
class KnowledgeIndex:
    """Everything retrieval needs, loaded in memory."""

    chunks: list[Chunk]
    vectors: npt.NDArray[np.float32]
    manifest: Manifest
    dense: object  # faiss.Index: exact flat, or approximate above DenseSearchSettings.exact_limit
    bm25: object  # bm25s.BM25
    ask_vectors: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    ask_owners: npt.NDArray[np.int64] = field(init=False)
    ask_starts: npt.NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        """Work out which ask vectors belong to which chunk."""
        self.ask_owners, self.ask_starts = ask_groups(self.chunks)
        expected = sum(len(c.asks) for c in self.chunks)
        if len(self.ask_vectors) != expected:
            raise IndexMissing(f"index holds {len(self.ask_vectors)} ask vectors for {expected} asks: rebuild it")

    @classmethod
    def create(
        cls,
        chunks: list[Chunk],
        vectors: npt.NDArray[np.float32],
        manifest: Manifest,
        ask_vectors: npt.NDArray[np.float32] | None = None,
        *,
        dense_search: DenseSearchSettings | None = None,
    ) -> KnowledgeIndex:
        """Build the FAISS and BM25 structures for chunks whose vectors (and ask vectors) are already computed.

        The FAISS structure is exact up to `dense_search.exact_limit` chunks, approximate above (dense_search.py)."""
        import bm25s

        data = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), manifest.dimension)
        dense = dense_index_for(data, dense_search)
        bm25 = bm25s.BM25()
        if chunks:
            bm25.index([bm25_tokens(bm25_text(c)) or [""] for c in chunks], show_progress=False)
        if ask_vectors is None:
            ask_vectors = np.zeros((0, manifest.dimension), dtype=np.float32)
        return cls(chunks, vectors, manifest, dense, bm25, ask_vectors)

    def save(self, index_dir: Path) -> None:
        """Write the index into `index_dir` (replacing what is there); the manifest goes last."""
        import faiss

        index_dir.mkdir(parents=True, exist_ok=True)
        (index_dir / "manifest.json").unlink(missing_ok=True)
        with (index_dir / CHUNKS_FILE).open("w", encoding="utf-8") as out:
            for chunk in self.chunks:
                record = {
                    "chunk_id": chunk.chunk_id,
                    "locator": chunk.locator,
                    "text": chunk.text,
                    "start_seconds": chunk.start_seconds,
                    "doc": asdict(chunk.doc),
                    "key": text_key(embed_text(chunk)),
                    "asks": list(chunk.asks),
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        _save_array(index_dir / VECTORS_FILE, self.vectors)
        _save_array(index_dir / ASK_VECTORS_FILE, self.ask_vectors)
        faiss.write_index(self.dense, str(index_dir / (FAISS_FILE + ".tmp")))  # type: ignore[call-overload]
        (index_dir / (FAISS_FILE + ".tmp")).replace(index_dir / FAISS_FILE)
        shutil.rmtree(index_dir / BM25_DIR, ignore_errors=True)
        if self.chunks:
            self.bm25.save(str(index_dir / BM25_DIR))  # type: ignore[attr-defined]
        self.manifest.save(index_dir)

    @classmethod
    def load(cls, index_dir: Path, *, mmap: bool = False) -> KnowledgeIndex:
        """Load an index written by `save`; raises IndexMissing when there is none.

        `mmap`: map the vectors instead of reading them (a search touches only its candidates' rows, so a
        million-chunk index does not need its 1.5 GB of vectors in memory; `save` replaces files, never
        rewrites them in place, so a rebuild does not pull the pages from under a running search)."""
        import bm25s
        import faiss

        manifest = Manifest.load(index_dir)
        if manifest is None:
            raise IndexMissing(f"no knowledge index at {index_dir}: run `nonghui kb build`")
        chunks = [_chunk_from(json.loads(line)) for line in (index_dir / CHUNKS_FILE).open(encoding="utf-8")]
        vectors = np.load(index_dir / VECTORS_FILE, mmap_mode="r" if mmap else None)
        dense = faiss.read_index(str(index_dir / FAISS_FILE))
        if int(dense.ntotal) != len(chunks) or len(vectors) != len(chunks):
            raise IndexMissing(f"index at {index_dir} holds {dense.ntotal} dense vectors for {len(chunks)} chunks")
        bm25 = bm25s.BM25.load(str(index_dir / BM25_DIR)) if chunks else bm25s.BM25()
        ask_file = index_dir / ASK_VECTORS_FILE
        ask_vectors = np.load(ask_file) if ask_file.exists() else np.zeros((0, manifest.dimension), dtype=np.float32)
        return cls(chunks, vectors, manifest, dense, bm25, ask_vectors)

    def stored_vectors(self, index_dir: Path) -> dict[str, npt.NDArray[np.float32]]:
        """Map of embedded-text key (as written when the vector was made) to vector, for reuse in rebuilds.

        Ask vectors are included under their `ask_key`."""
        keys = [json.loads(line)["key"] for line in (index_dir / CHUNKS_FILE).open(encoding="utf-8")]
        stored = dict(zip(keys, self.vectors, strict=True))
        asks = [a for c in self.chunks for a in c.asks]
        stored.update(zip((ask_key(a) for a in asks), self.ask_vectors, strict=True))
        return stored


def _save_array(path: Path, array: npt.NDArray[np.float32]) -> None:
    """Write an array to a new file, then move it over `path` (a reader's memory map keeps the old one)."""
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, array)
    tmp.replace(path)


def _chunk_from(record: dict[str, object]) -> Chunk:
    doc = DocumentMeta(**record["doc"])  # type: ignore[arg-type]
    return Chunk(
        chunk_id=int(record["chunk_id"]),  # type: ignore[call-overload]
        doc=doc,
        locator=str(record["locator"]),
        text=str(record["text"]),
        start_seconds=record.get("start_seconds"),  # type: ignore[arg-type]
        asks=tuple(str(a) for a in record.get("asks") or ()),  # type: ignore[attr-defined]
    )
