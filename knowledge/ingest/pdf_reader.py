"""PDF reader (pypdf): sections located by page, or by article number and page for statute-like text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from knowledge.ingest.chunking import split_long
from knowledge.ingest.frontmatter import DocumentError, meta_from
from knowledge.ingest.statute import Line, looks_like_statute, statute_sections, title_line
from knowledge.ingest.textcodec import join_lines
from knowledge.types import DocumentMeta

_GENERIC_TITLES = {"", "untitled", "无标题", "document"}
# A PDF with more pages is refused before any page is read (a hostile or mistaken file cannot exhaust memory).
MAX_PDF_PAGES = 1000


def extract_pages(path: Path) -> tuple[list[str], str]:
    """Text of each page and the metadata title; DocumentError naming the file when it cannot be read."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not _open_with_empty_password(reader):
            raise DocumentError(f"{path.name}: the PDF is password-protected; save an unprotected copy")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentError(f"{path.name}: the PDF has more than {MAX_PDF_PAGES} pages; split it into parts")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = str(info.title or "").strip() if info else ""
    except DocumentError:
        raise
    except Exception as err:  # pypdf raises many types for damaged files; the operator needs the file name
        raise DocumentError(f"{path.name}: not a readable PDF ({type(err).__name__}: {err})") from err
    if not any(p.strip() for p in pages):
        raise DocumentError(f"{path.name}: the PDF has no text layer (a scan?); run OCR or supply the text")
    return pages, title


def _open_with_empty_password(reader: object) -> bool:
    try:
        return bool(reader.decrypt(""))  # type: ignore[attr-defined]
    except Exception:  # missing crypto backend or unsupported scheme: the file stays locked
        return False


def read_pdf(path: Path) -> tuple[DocumentMeta, list[tuple[str, str]]]:
    """Parse a PDF into metadata and sections located "p.N" (or "第二章 合同 · 第十二条 · p.N" in statutes)."""
    pages, info_title = extract_pages(path)
    lines = [Line(line, page=number) for number, page in enumerate(pages, start=1) for line in page.splitlines()]
    statute = looks_like_statute(line.text for line in lines)
    title = _title(pages, info_title)
    found = statute_sections(lines, title=title or "", wrapped=True) if statute else page_sections(pages)
    sections = list(found)
    kind = "statute" if statute else "guide"
    meta = meta_from({"title": title}, path=path, body="\n".join(pages), kind=kind)
    return meta, sections


def page_sections(pages: list[str]) -> Iterator[tuple[str, str]]:
    """One or more ("p.N", text) sections per non-empty page."""
    for number, page in enumerate(pages, start=1):
        text = _flatten(page)
        if text:
            for piece in split_long(text):
                yield f"p.{number}", piece


def _flatten(text: str) -> str:
    """Re-join lines a PDF wrapped; blank lines stay paragraph breaks."""
    paragraphs = re.split(r"\n[ \t\u3000]*\n", text)
    return "\n".join(p for p in (join_lines(par.splitlines()) for par in paragraphs) if p)


def _title(pages: list[str], info_title: str) -> str | None:
    """First short line of page one (not an article or chapter), else a meaningful metadata title."""
    first = title_line(pages[0].splitlines())
    if first:
        return first
    generic = info_title.lower() in _GENERIC_TITLES or info_title.startswith("Microsoft Word")
    return None if generic else info_title
