"""Markdown and plain-text readers: one chunk per section, long sections split on paragraphs; a statute
(see knowledge/ingest/statute.py) is split into one chunk per article instead.

A Markdown section may list the ways farmers ask about it in a comment block right under its heading
(hidden when the Markdown is rendered; indexed for search, never part of the section text):

    <!-- asks
    - 贷款要啥条件
    - who can get this loan
    -->
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from knowledge.ingest.chunking import MAX_CHUNK_CHARS, split_long
from knowledge.ingest.document import AskedSection, Section
from knowledge.ingest.frontmatter import DocumentError, declared_kind, meta_from, split_front_matter
from knowledge.ingest.statute import Line, looks_like_statute, statute_sections, statute_title, title_line
from knowledge.types import DocumentMeta

__all__ = ["MAX_CHUNK_CHARS", "emit_section", "read_markdown", "read_plain_text", "read_text_file", "split_long"]
_HEADING = re.compile(r"^(#{1,3})\s+(.*\S)\s*$")
_ANY_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_ASKS_OPEN = re.compile(r"^\s*<!--\s*asks:?\s*$", re.IGNORECASE)
_ASKS_CLOSE = re.compile(r"^\s*-->\s*$")


def read_text_file(path: Path) -> str:
    """Read a text file as UTF-8 (with or without BOM), falling back to GB18030 for GBK files."""
    raw = path.read_bytes()
    if not raw.strip():
        raise DocumentError(f"{path.name}: the file is empty")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{path.name}: not UTF-8 or GBK text")


def read_markdown(path: Path) -> tuple[DocumentMeta, list[Section]]:
    """Parse a Markdown document into its metadata and (locator, text, asks) sections (one per article in a
    statute, unless the front-matter says `kind: guide`)."""
    raw, body = split_front_matter(read_text_file(path))
    lines = list(_markdown_lines(body))
    kind = declared_kind(raw) or ("statute" if looks_like_statute(line.text for line in lines) else "guide")
    if kind == "statute" and not raw.get("title") and not any(ln.startswith("# ") for ln in body.splitlines()):
        raw = {**raw, "title": statute_title(lines)}  # a law pasted without a `#` title: its first line names it
    meta = meta_from(raw, path=path, body=body, kind=kind)
    sections: list[Section]
    try:
        sections = list(statute_sections(lines, title=meta.title) if meta.is_statute else _sections(body))
    except DocumentError as err:
        raise DocumentError(f"{path.name}: {err}") from err
    if not sections:
        raise DocumentError(f"{path.name}: no text found")
    return meta, sections


def read_plain_text(path: Path) -> tuple[DocumentMeta, list[tuple[str, str]]]:
    """Parse a plain-text document: paragraphs become sections located by paragraph number, or articles
    located by chapter and article number when the text is a statute (its first short line is the title)."""
    body = read_text_file(path)
    lines = [Line(line) for line in body.splitlines() if line.strip()]
    if looks_like_statute(line.text for line in lines):
        title = title_line(line.text for line in lines)
        meta = meta_from({"title": title}, path=path, body=body, kind="statute")
        return meta, list(statute_sections(lines, title=meta.title))
    meta = meta_from({}, path=path, body=body)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    sections = [(f"¶{i}", p) for i, p in enumerate(paragraphs, start=1)]
    return meta, sections


def _markdown_lines(body: str) -> Iterator[Line]:
    """Non-empty lines with `<!-- … -->` blocks left out, headings marked; the `#` title line is skipped."""
    in_comment = False
    for raw_line in body.splitlines():
        line = raw_line.strip()
        if in_comment:
            in_comment = "-->" not in line
            continue
        if line.startswith("<!--"):
            in_comment = "-->" not in line
            continue
        match = _ANY_HEADING.match(line)
        if match and len(match.group(1)) == 1:
            continue
        if match:
            yield Line(match.group(2), heading=True)
        elif line:
            yield Line(line)


def _sections(body: str) -> Iterator[AskedSection]:
    heading = ""
    lines: list[str] = []
    asks: list[str] = []
    in_asks = False
    for line in body.splitlines():
        if in_asks:
            if _ASKS_CLOSE.match(line):
                in_asks = False
            elif item := line.strip().removeprefix("-").strip():
                asks.append(item)
            continue
        if _ASKS_OPEN.match(line):
            in_asks = True
            continue
        match = _HEADING.match(line)
        if match and len(match.group(1)) >= 2:
            yield from _asked(heading, lines, asks)
            heading, lines, asks = match.group(2), [], []
        elif match:
            continue  # the document title: already in metadata
        else:
            lines.append(line)
    if in_asks:
        raise DocumentError(f"an `<!-- asks` block under {heading or 'the title'!r} is never closed with `-->`")
    yield from _asked(heading, lines, asks)


def _asked(heading: str, lines: list[str], asks: list[str]) -> Iterator[AskedSection]:
    """The section's pieces, each carrying the section's farmer questions."""
    for locator, piece in emit_section(heading, lines):
        yield AskedSection(locator, piece, tuple(asks))


def emit_section(heading: str, lines: list[str]) -> Iterator[tuple[str, str]]:
    """Join a section's lines and yield (heading, piece) for each phone-sized piece; nothing when empty."""
    text = "\n".join(lines).strip()
    if text:
        for piece in split_long(text):
            yield heading, piece
