"""PDF reader (pypdf): sections located by page, or by article number and page for statute-like text."""

from __future__ import annotations

from pathlib import Path

from knowledge.ingest.frontmatter import DocumentError, meta_from
from knowledge.ingest.statute import article_sections, looks_like_statute, page_sections
from knowledge.types import DocumentMeta

_GENERIC_TITLES = {"", "untitled", "无标题", "document"}
MAX_TITLE_CHARS = 40


def extract_pages(path: Path) -> tuple[list[str], str]:
    """Text of each page and the metadata title; DocumentError naming the file when it cannot be read."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not _open_with_empty_password(reader):
            raise DocumentError(f"{path.name}: the PDF is password-protected; save an unprotected copy")
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
    """Parse a PDF into metadata and sections located "p.N" (or "第十二条 · p.N" in statutes)."""
    pages, info_title = extract_pages(path)
    sections = list(article_sections(pages) if looks_like_statute(pages) else page_sections(pages))
    meta = meta_from({"title": _title(pages, info_title)}, path=path, body="\n".join(pages))
    return meta, sections


def _title(pages: list[str], info_title: str) -> str | None:
    """First short line of page one (not an article), else a meaningful metadata title."""
    for line in pages[0].splitlines():
        line = line.strip()
        if line:
            if len(line) <= MAX_TITLE_CHARS and not line.startswith("第"):
                return line
            break
    generic = info_title.lower() in _GENERIC_TITLES or info_title.startswith("Microsoft Word")
    return None if generic else info_title
