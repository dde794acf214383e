"""HTML reader (BeautifulSoup, stdlib parser): page chrome dropped, h1–h3 locate sections (articles and
chapters in a statute page), GBK pages decoded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from knowledge.ingest.frontmatter import DocumentError, meta_from
from knowledge.ingest.markdown import emit_section
from knowledge.ingest.statute import Line, looks_like_statute, statute_sections, statute_title
from knowledge.ingest.textcodec import decode_text
from knowledge.types import DocumentMeta

DROPPED_TAGS = ("script", "style", "nav", "noscript", "template", "svg", "iframe", "footer", "aside", "form")
BLOCK_TAGS = (
    "p", "div", "li", "tr", "br", "pre", "blockquote", "dd", "dt", "section", "article", "main",
    "table", "ul", "ol", "h4", "h5", "h6", "header", "figcaption", "caption",
)  # fmt: skip
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADING_MARK = "\ue000H\ue001"  # private-use characters: never in real text, not whitespace
SNIFF_BYTES = 4096


def declared_charset(raw: bytes) -> str | None:
    """Charset named by a <meta charset>, <meta http-equiv content="...; charset="> or XML declaration."""
    head = raw[:SNIFF_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii") if match else None


def read_html(path: Path) -> tuple[DocumentMeta, list[tuple[str, str]]]:
    """Parse an HTML page into metadata and (heading, text) sections."""
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    text = decode_text(raw, path.name, declared=declared_charset(raw))
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(DROPPED_TAGS):
        tag.decompose()
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    if title_tag:
        title_tag.decompose()
    html_tag = soup.find("html")
    lang = _lang_of(html_tag.get("lang") if html_tag else None)
    if not title:
        first = soup.find(["h1", "h2"])
        title = first.get_text(" ", strip=True) if first else ""
    lines = list(_lines(_marked_text(soup)))
    statute = looks_like_statute(line.text for line in lines)
    if statute:  # a page copied from a laws database: its <title> may be the site's name, the heading is the law's
        title = statute_title(lines) or title
    sections = list(statute_sections(lines, title=title) if statute else _sections(lines))
    if not sections:
        raise DocumentError(f"{path.name}: no text found")
    body = "\n".join(t for _, t in sections)
    found = {"title": title or None, "lang": lang}
    return meta_from(found, path=path, body=body, kind="statute" if statute else "guide"), sections


def _lang_of(value: Any) -> str | None:
    label = str(value or "").lower()
    if label.startswith("zh"):
        return "zh"
    if label.startswith("en"):
        return "en"
    return None


def _marked_text(soup: Any) -> str:
    """Page text with a line per block and headings h1–h3 marked for sectioning."""
    for heading in soup.find_all(["h1", "h2", "h3"]):
        label = heading.get_text(" ", strip=True)
        heading.replace_with(f"\n{_HEADING_MARK}{label}\n" if label else "\n")
    for cell in soup.find_all(["td", "th"]):
        cell.append(" | ")
    for block in soup.find_all(BLOCK_TAGS):
        block.insert_before("\n")
        block.append("\n")
    return str(soup.get_text())


def _lines(text: str) -> Iterator[Line]:
    """Non-empty lines of the marked page text, headings flagged."""
    for raw_line in text.splitlines():
        line = re.sub(r"\s+", " ", raw_line).strip().strip("|").strip()
        if line.startswith(_HEADING_MARK):
            yield Line(line[len(_HEADING_MARK) :].strip(), heading=True)
        elif line:
            yield Line(line)


def _sections(lines: list[Line]) -> Iterator[tuple[str, str]]:
    heading = ""
    texts: list[str] = []
    for line in lines:
        if line.heading:
            yield from emit_section(heading, texts)
            heading, texts = line.text, []
        else:
            texts.append(line.text)
    yield from emit_section(heading, texts)
