"""Statutes (laws, regulations, judicial interpretations): one section per article, located by its chapter.

Every reader turns its file into `Line`s (a paragraph, a heading, or for PDFs a printed line with its page)
and, when `looks_like_statute` says so, hands them to `statute_sections`:

- an article starts where a line begins with its number (第十七条, 第十二条之一) followed by a space or by
  its text; "第十二条第二款规定的……", "第十二条、第十三条" or a number inside a line never start one, so
  references to 款 and 项 stay in the article that makes them;
- 第X编 / 第X分编 / 第X章 / 第X节 lines set the chapter (and section) that locates the articles after them:
  "第三章 经营规则 · 第一节 一般规定 · 第十七条" (PDFs add the page the article starts on: "· p.3");
- a long article is split into phone-sized parts; each part keeps the article's locator and later parts
  start "第十七条（续）", so every chunk's text starts with its article number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import NamedTuple

from knowledge.articles import NUMERAL, ArticleNumber, chinese_number
from knowledge.ingest.chunking import split_long
from knowledge.ingest.textcodec import join_lines

_SPACE = "[ \\t\\u3000\\u00a0]"
# The article number at the start of a line, optionally in bold; what follows must not continue a reference.
ARTICLE = re.compile(
    rf"^{_SPACE}*(?:\*\*)?(第({NUMERAL})条(?:之({NUMERAL}))?)(?:\*\*)?(?![第的规款项、，,。；至和或及中所以与])"
)
_CHAPTER = re.compile(
    rf"^{_SPACE}*(第{NUMERAL}(?:分编|编|章|节))(?:{_SPACE}+|$|(?=[^\s，。；：:,]))([^。，；：:,]{{0,30}})$"
)
_LEVELS = {"编": 0, "分编": 1, "章": 2, "节": 3}
_CONTENTS = re.compile(rf"^{_SPACE}*目{_SPACE}*录{_SPACE}*$")
MIN_ARTICLES = 3
# Share of consecutive article numbers that must rise: a law's articles come in order, a guide's mentions do not.
MIN_RISING = 0.8
CONTINUED = "（续）"
MAX_TITLE_CHARS = 40


class Line(NamedTuple):
    """One paragraph or printed line of a document; `heading` for marked-up headings, `page` for PDFs."""

    text: str
    heading: bool = False
    page: int | None = None


def article_number(line: str) -> ArticleNumber | None:
    """The number of the article a line starts, None when the line does not start one."""
    match = ARTICLE.match(line)
    if match is None:
        return None
    return ArticleNumber(chinese_number(match.group(2)), chinese_number(match.group(3)) if match.group(3) else 0)


def looks_like_statute(paragraphs: Iterable[str]) -> bool:
    """Whether enough paragraphs start with an article number (at least three) and the numbers rise in order."""
    numbers = [n for n in (article_number(p) for p in paragraphs) if n is not None]
    if len(numbers) < MIN_ARTICLES:
        return False
    rising = sum(1 for a, b in pairwise(numbers) if b > a)
    return rising >= MIN_RISING * (len(numbers) - 1)


def title_line(lines: Iterable[str]) -> str | None:
    """The first non-empty line when it is short and neither an article nor a chapter heading (a statute's name)."""
    for line in lines:
        text = line.strip().strip("#").strip()
        if text:
            if len(text) <= MAX_TITLE_CHARS and not ARTICLE.match(text) and not _CHAPTER.match(text):
                return text
            return None
    return None


def statute_title(lines: Sequence[Line]) -> str | None:
    """A statute's name: its first heading that is not a chapter or article, else its first short line."""
    for line in lines:
        if line.heading and (name := title_line([line.text])):
            return name
    return title_line(line.text for line in lines)


def statute_sections(lines: Sequence[Line], *, title: str = "", wrapped: bool = False) -> Iterator[tuple[str, str]]:
    """(locator, text) per article (or part of a long one); text before the first article (an adoption note) is
    located by its page only ("" outside PDFs), since chapter headings there may come from a table of contents.

    `title`: a heading equal to the document title is skipped. `wrapped`: lines are printed lines (PDF) whose
    wrapping is undone; otherwise each line is a paragraph and stays one."""
    chapters: dict[int, str] = {}
    article: str | None = None
    page: int | None = None
    parts: list[str] = []
    seen = False  # whether an article has started: before that, chapter lines may be a table of contents
    for line in lines:
        text = line.text.strip()
        if not text or text == title.strip() or _CONTENTS.match(text):
            continue
        start = ARTICLE.match(text)
        chapter = None if start else _CHAPTER.match(text)
        if start:
            yield from _emit(_locator(chapters if seen else {}, article, page), article, parts, wrapped)
            article, parts, page, seen = start.group(1), [_article_line(text, start)], line.page, True
            continue
        if chapter or (line.heading and seen):  # before the first article, a plain heading is a title or a note
            yield from _emit(_locator(chapters if seen else {}, article, page), article, parts, wrapped)
            article, parts, page = None, [], line.page
            _enter_chapter(chapters, chapter.group(1) if chapter else "", chapter.group(2) if chapter else text)
            continue
        if not parts and article is None:
            page = line.page
        parts.append(text)
    yield from _emit(_locator(chapters, article, page), article, parts, wrapped)


def _enter_chapter(chapters: dict[int, str], number: str, name: str) -> None:
    """Record a chapter (or part, or section) heading; it replaces headings of its level and below."""
    level = _LEVELS["分编"] if number.endswith("分编") else _LEVELS.get(number[-1:], _LEVELS["章"])
    for deeper in [key for key in chapters if key >= level]:
        del chapters[deeper]
    label = " ".join(part for part in (number, re.sub(f"{_SPACE}+", "", name) if name else "") if part)
    chapters[level] = label


def _locator(chapters: dict[int, str], article: str | None, page: int | None) -> str:
    parts = [chapters[level] for level in sorted(chapters)]
    if article:
        parts.append(article)
    if page is not None:
        parts.append(f"p.{page}")
    return " · ".join(parts)


def _article_line(text: str, start: re.Match[str]) -> str:
    """The line as "第一条 为了……": bold around the number dropped, one plain space after it."""
    rest = text[start.end() :].strip(" \t\u3000\u00a0")
    return f"{start.group(1)} {rest}" if rest else start.group(1)


def _emit(locator: str, article: str | None, parts: list[str], wrapped: bool) -> Iterator[tuple[str, str]]:
    text = join_lines(parts) if wrapped else "\n".join(parts)
    if not text.strip():
        return
    for position, piece in enumerate(split_long(text.strip())):
        if position and article:
            piece = f"{article}{CONTINUED} {piece}"
        yield locator, piece
