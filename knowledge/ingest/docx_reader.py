"""DOCX reader (python-docx): headings 1–3 locate sections (articles and chapters in a statute); tables are
flattened to "a | b" rows."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from knowledge.ingest.frontmatter import DocumentError, meta_from
from knowledge.ingest.markdown import emit_section
from knowledge.ingest.statute import Line, looks_like_statute, statute_sections, statute_title
from knowledge.types import DocumentMeta

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
TITLE_LEVEL = 0
MAX_SECTION_LEVEL = 3
# A .docx is a zip: one whose parts would unpack to more than this, or with very many parts, is refused before
# python-docx reads it (a "zip bomb" of a few kB can otherwise unpack to gigabytes).
MAX_DOCX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
MAX_DOCX_PARTS = 5000


def check_docx_size(path: Path) -> None:
    """DocumentError when the package's parts declare more than the caps once unpacked."""
    try:
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, OSError) as err:
        raise DocumentError(f"{path.name}: not a readable Word (.docx) file ({type(err).__name__})") from err
    total = sum(part.file_size for part in parts)
    if len(parts) > MAX_DOCX_PARTS or total > MAX_DOCX_UNCOMPRESSED_BYTES:
        raise DocumentError(
            f"{path.name}: the Word file unpacks to more than {MAX_DOCX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB "
            f"or {MAX_DOCX_PARTS} parts; save a smaller copy"
        )


def heading_level(paragraph: Any) -> int | None:
    """0 for the Title style, N for "Heading N" / "标题 N" (or a style based on one), None for body text."""
    style = paragraph.style
    while style is not None:
        name = (style.name or "").strip()
        if name.lower() in ("title", "标题"):
            return TITLE_LEVEL
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        style = style.base_style
    return None


def flatten_table(table: Any) -> str:
    """One line per row, cells joined with " | "; merged cells appear once."""
    lines = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[Any] = []
        for cell in row.cells:
            if any(cell._tc is s for s in seen):  # a merged cell is repeated for every grid column
                continue
            seen.append(cell._tc)
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            cells.append(text)
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def read_docx(path: Path) -> tuple[DocumentMeta, list[tuple[str, str]]]:
    """Parse a Word document into metadata and (heading, text) sections."""
    from docx import Document

    check_docx_size(path)
    try:
        document = Document(str(path))
        blocks = list(_blocks(document))
        core_title = (document.core_properties.title or "").strip()
    except Exception as err:  # python-docx raises zip, XML and package errors for damaged files
        raise DocumentError(f"{path.name}: not a readable Word (.docx) file ({type(err).__name__})") from err
    title = core_title or next((text for level, text in blocks if level == TITLE_LEVEL), "")
    statute = looks_like_statute(text for _, text in blocks)
    if not title:
        first_heading = next((text for level, text in blocks if level is not None), "")
        title = statute_title([Line(text, heading=level is not None) for level, text in blocks]) if statute else ""
        title = title or first_heading
    if statute:
        lines = [Line(text, heading=level is not None) for level, text in blocks if level != TITLE_LEVEL]
        sections = list(statute_sections(lines, title=title))
    else:
        sections = list(_sections(blocks))
    if not sections:
        raise DocumentError(f"{path.name}: no text found")
    body = "\n".join(text for _, text in blocks)
    kind = "statute" if statute else "guide"
    return meta_from({"title": title or None}, path=path, body=body, kind=kind), sections


def _blocks(document: Any) -> Iterator[tuple[int | None, str]]:
    """(heading level or None, text) for paragraphs and tables in reading order."""
    from docx.table import Table

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            text = flatten_table(block)
            if text:
                yield None, text
            continue
        text = block.text.strip()
        if text:
            yield heading_level(block), text


def _sections(blocks: list[tuple[int | None, str]]) -> Iterator[tuple[str, str]]:
    heading = ""
    lines: list[str] = []
    for level, text in blocks:
        if level == TITLE_LEVEL:
            continue
        if level is not None and level <= MAX_SECTION_LEVEL:
            yield from emit_section(heading, lines)
            heading, lines = text, []
        else:
            lines.append(text)
    yield from emit_section(heading, lines)
