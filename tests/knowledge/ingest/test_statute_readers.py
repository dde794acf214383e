"""The same fictional statute, written in every format operators ingest, is split the same way by each reader."""

from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document

from knowledge.ingest.loader import load_document
from tests.knowledge.ingest.conftest import make_pdf
from tests.knowledge.ingest.statute_texts import EXPECTED_LOCATORS, NOTE, STRUCTURE, TITLE, paragraphs


def _markdown(folder: Path) -> Path:
    path = folder / "regulation.md"
    lines = [f"# {TITLE}", "", NOTE, ""]
    for heading, body in STRUCTURE:
        lines += [f"## {heading}", ""] if heading else []
        lines += [line for paragraph in body for line in (paragraph, "")]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _html(folder: Path) -> Path:
    path = folder / "regulation.html"
    body = "".join(
        (f'<p align="center">{heading}</p>' if heading else "") + "".join(f"<p>{p}</p>" for p in texts)
        for heading, texts in STRUCTURE
    )
    page = (
        f"<html><head><meta charset='gb2312'><title>{TITLE}</title></head><body>"
        f"<nav>首页 | 法规库</nav><h1>{TITLE}</h1><p>{NOTE}</p>{body}<footer>版权所有</footer></body></html>"
    )
    path.write_bytes(page.encode("gbk"))
    return path


def _text(folder: Path) -> Path:
    path = folder / "regulation.txt"
    path.write_text("\n\n".join(paragraphs()), encoding="utf-8")
    return path


def _docx(folder: Path) -> Path:
    path = folder / "regulation.docx"
    document = Document()
    document.add_heading(TITLE, level=0)
    document.add_paragraph(NOTE)
    for heading, texts in STRUCTURE:
        if heading:
            document.add_heading(heading, level=1 if "章" in heading else 2)
        for text in texts:
            document.add_paragraph(text)
    document.save(str(path))
    return path


def _pdf(folder: Path) -> Path:
    return make_pdf(folder / "regulation.pdf", [paragraphs()])


WRITERS: dict[str, Callable[[Path], Path]] = {
    "markdown": _markdown,
    "html": _html,
    "text": _text,
    "docx": _docx,
    "pdf": _pdf,
}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_every_reader_splits_a_statute_into_articles_located_by_chapter_and_section(fmt: str, tmp_path: Path):
    doc = load_document(WRITERS[fmt](tmp_path))
    suffix = " · p.1" if fmt == "pdf" else ""
    located = [loc for loc, _ in doc.sections if "条" in loc]
    assert located == [loc + suffix for loc in EXPECTED_LOCATORS]
    assert doc.meta.kind == "statute"
    assert doc.meta.title == TITLE
    assert doc.meta.lang == "zh"
    assert doc.meta.topic == "insurance"  # inferred: no front-matter names it
    texts = dict(doc.sections)
    article_three = texts["第二章 理赔 · 第一节 报案 · 第三条" + suffix]
    assert article_three.startswith("第三条 投保农户")
    assert "第十二条第二款规定的情形" in article_three and "前款规定的报案" in article_three


def test_markdown_front_matter_can_say_a_statute_like_text_is_a_guide(tmp_path: Path):
    path = _markdown(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text("---\ndoc_id: rules\ntitle: 村规\nlang: zh\ntopic: general\nkind: guide\n---\n" + text, "utf-8")
    doc = load_document(path)
    assert doc.meta.kind == "guide"
    locators = [loc for loc, _ in doc.sections]
    assert locators == ["", "第一章　总　则", "第一节　报案", "第二节　赔付", "第三章　附则"]  # by heading, as before


def test_a_guide_that_cites_articles_stays_a_guide(tmp_path: Path):
    path = tmp_path / "claims-zh.md"
    path.write_text(
        "# 理赔指南\n\n## 报案\n按《保险法》第二十一条，出险后要及时通知保险公司。\n\n"
        "## 赔付\n第二十三条规定的时限是十日。\n按第二十五条，先付能确定的部分。\n",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert doc.meta.kind == "guide"
    assert [loc for loc, _ in doc.sections] == ["报案", "赔付"]


def test_a_laws_database_page_is_named_after_its_heading_and_a_heading_before_the_articles_is_no_chapter(
    tmp_path: Path,
):
    path = tmp_path / "lending.html"
    articles = "".join(f"<p>第{n}条　出借人应当遵守第{n}项约定。</p>" for n in ("一", "二", "三"))
    page = f"<html><head><title>国家法规数据库</title></head><body><h2>民间借贷示范规定</h2>{articles}</body></html>"
    path.write_text(page, encoding="utf-8")
    doc = load_document(path)
    assert doc.meta.title == "民间借贷示范规定"
    assert [loc for loc, _ in doc.sections] == ["第一条", "第二条", "第三条"]


def test_a_markdown_statute_pasted_without_a_title_heading_is_named_by_its_first_line(tmp_path: Path):
    path = tmp_path / "pasted.md"
    path.write_text("\n\n".join(paragraphs()), encoding="utf-8")
    doc = load_document(path)
    assert doc.meta.title == TITLE
    assert [loc for loc, _ in doc.sections if "条" in loc] == EXPECTED_LOCATORS
