"""Dispatch operator files to the reader for their format."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from knowledge.ingest.catalogue import CATALOGUE_SUFFIXES, read_catalogue, subtitle_paths
from knowledge.ingest.document import LoadResult, ParsedDocument, Section, section_asks, split_sections
from knowledge.ingest.docx_reader import read_docx
from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.html_reader import read_html
from knowledge.ingest.markdown import read_markdown, read_plain_text
from knowledge.ingest.pdf_reader import read_pdf
from knowledge.ingest.subtitles import read_subtitles
from knowledge.types import DocumentMeta

__all__ = ["READERS", "LoadResult", "ParsedDocument", "dependencies", "expand_paths", "load_document", "supported"]

Reader = Callable[[Path], tuple[DocumentMeta, Sequence[Section]]]
READERS: dict[str, Reader] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_plain_text,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
    ".srt": read_subtitles,
    ".vtt": read_subtitles,
}
# Files that hold several documents (a video catalogue lists many videos).
COLLECTION_READERS: dict[str, Callable[[Path], LoadResult]] = {suffix: read_catalogue for suffix in CATALOGUE_SUFFIXES}


def supported(path: Path) -> bool:
    """Whether a reader exists for the file's extension."""
    suffix = path.suffix.lower()
    return suffix in READERS or suffix in COLLECTION_READERS


def _check_readable(path: Path) -> None:
    if not path.is_file():
        raise DocumentError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise DocumentError(f"{path.name}: the file is empty")


def load_document(path: Path) -> ParsedDocument:
    """Read one single-document file with the reader for its extension; raises DocumentError naming the file."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        if path.suffix.lower() in COLLECTION_READERS:
            raise DocumentError(f"{path.name}: holds several documents; read it with load_documents")
        raise DocumentError(f"{path.name}: unsupported format {path.suffix or '(none)'}")
    _check_readable(path)
    meta, raw_sections = reader(path)
    listed = list(raw_sections)
    sections, starts = split_sections(listed)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return ParsedDocument(meta, sections, str(path), digest, starts, section_asks(listed))


def load_documents(path: Path) -> LoadResult:
    """Read every document in a file: one for most formats, one per entry for catalogues."""
    collection = COLLECTION_READERS.get(path.suffix.lower())
    if collection is None:
        return LoadResult([load_document(path)])
    _check_readable(path)
    return collection(path)


def dependencies(path: Path) -> list[Path]:
    """Other files whose content a file's documents include (a catalogue's subtitles)."""
    return subtitle_paths(path) if path.suffix.lower() in COLLECTION_READERS else []


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into the supported files below them, sorted.

    README.md files are excluded, and so are subtitle files that a catalogue in the same folder tree
    already turns into video documents.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in sorted(path.rglob("*")) if p.is_file() and supported(p) and p.name != "README.md"]
            owned = {dep for p in found for dep in dependencies(p)}
            files.extend(p for p in found if p.resolve() not in owned)
        else:
            files.append(path)
    return files
