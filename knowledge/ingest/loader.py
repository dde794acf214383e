"""Dispatch operator files to the reader for their format."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.markdown import read_markdown, read_plain_text
from knowledge.types import DocumentMeta

Reader = Callable[[Path], tuple[DocumentMeta, list[tuple[str, str]]]]
READERS: dict[str, Reader] = {".md": read_markdown, ".markdown": read_markdown, ".txt": read_plain_text}


@dataclass(frozen=True)
class ParsedDocument:
    """A document read from disk: metadata, (locator, text) sections, where it came from and its hash."""

    meta: DocumentMeta
    sections: list[tuple[str, str]]
    source: str
    sha256: str


def supported(path: Path) -> bool:
    """Whether a reader exists for the file's extension."""
    return path.suffix.lower() in READERS


def load_document(path: Path) -> ParsedDocument:
    """Read one file with the reader for its extension; raises DocumentError naming the file."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(f"{path.name}: unsupported format {path.suffix or '(none)'}")
    if not path.is_file():
        raise DocumentError(f"{path}: not a file")
    meta, sections = reader(path)
    return ParsedDocument(meta, sections, str(path), hashlib.sha256(path.read_bytes()).hexdigest())


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into the supported files below them (README.md files excluded), sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and supported(p) and p.name != "README.md")
        else:
            files.append(path)
    return files
