"""The index manifest: what an index was built from and with."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1


@dataclass
class DocumentRecord:
    """One indexed document: where it came from, its content hash, chunk count and kind (guide or statute)."""

    doc_id: str
    source: str
    sha256: str
    title: str
    lang: str
    topic: str
    chunks: int
    kind: str = "guide"


@dataclass
class Manifest:
    """Describes an index directory; written last so a half-built index is never mistaken for a good one."""

    model: str
    dimension: int
    chunk_count: int
    corpus_hash: str
    built_at: str
    format_version: int = FORMAT_VERSION
    documents: list[DocumentRecord] = field(default_factory=list)

    def save(self, index_dir: Path) -> None:
        """Write the manifest atomically into `index_dir`."""
        tmp = index_dir / (MANIFEST_FILE + ".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(index_dir / MANIFEST_FILE)

    @classmethod
    def load(cls, index_dir: Path) -> Manifest | None:
        """Read the manifest of `index_dir`, or None when there is none (or it is from another format)."""
        path = index_dir / MANIFEST_FILE
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format_version") != FORMAT_VERSION:
            return None
        docs = [DocumentRecord(**d) for d in raw.pop("documents", [])]
        return cls(**raw, documents=docs)
