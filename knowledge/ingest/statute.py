"""Statute-like text: split on article markers (第十二条) that start a line, keeping the page each starts on."""

from __future__ import annotations

import re
from collections.abc import Iterator

from knowledge.ingest.markdown import split_long
from knowledge.ingest.textcodec import join_lines

_NUMERAL = r"[一二三四五六七八九十百千零〇两\d]+"
ARTICLE = re.compile(rf"^[ \t\u3000]*(第{_NUMERAL}条(?:之{_NUMERAL})?)(?![款项件])", re.MULTILINE)
_CHAPTER = re.compile(rf"^[ \t\u3000]*第{_NUMERAL}[编章节](?:[\s\u3000].*)?$", re.MULTILINE)
MIN_ARTICLES = 2


def looks_like_statute(pages: list[str]) -> bool:
    """Whether at least two lines across the pages begin with an article number."""
    return sum(len(ARTICLE.findall(page)) for page in pages) >= MIN_ARTICLES


def page_sections(pages: list[str]) -> Iterator[tuple[str, str]]:
    """One or more (\"p.N\", text) sections per non-empty page."""
    for number, page in enumerate(pages, start=1):
        text = _flatten(page)
        if text:
            for piece in split_long(text):
                yield f"p.{number}", piece


def article_sections(pages: list[str]) -> Iterator[tuple[str, str]]:
    """(\"第十二条 · p.3\", text) per article; text before the first article is located by its page."""
    article: str | None = None
    parts: list[str] = []
    for number, page in enumerate(pages, start=1):
        position = 0
        for match in ARTICLE.finditer(page):
            before = page[position : match.start()]
            if article is None:
                yield from _emit(f"p.{number}", [before])
            else:
                parts.append(before)
                yield from _emit(article, parts)
            article, parts = f"{match.group(1)} · p.{number}", []
            position = match.start()
        rest = page[position:]
        if article is None:
            yield from _emit(f"p.{number}", [rest])
        else:
            parts.append(rest)
    if article is not None:
        yield from _emit(article, parts)


def _emit(locator: str, parts: list[str]) -> Iterator[tuple[str, str]]:
    text = _flatten(_CHAPTER.sub("", "\n".join(parts)))
    if text:
        for piece in split_long(text):
            yield locator, piece


def _flatten(text: str) -> str:
    """Re-join lines a PDF wrapped; blank lines stay paragraph breaks."""
    paragraphs = re.split(r"\n[ \t\u3000]*\n", text)
    return "\n".join(p for p in (join_lines(par.splitlines()) for par in paragraphs) if p)
