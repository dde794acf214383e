from pathlib import Path

import pytest

from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.loader import load_document


def test_pdf_sections_are_located_by_page_number(pdf_factory):
    path = pdf_factory(
        "guide.pdf",
        [
            ["农业保险理赔指南", "发现受灾要尽快报案。"],
            ["保险公司应当及时查勘定损。"],
            [],
            ["赔款打到一卡通。"],
        ],
    )
    doc = load_document(path)
    assert [loc for loc, _ in doc.sections] == ["p.1", "p.2", "p.4"]
    assert "查勘定损" in doc.sections[1][1]
    assert doc.meta.title == "农业保险理赔指南"
    assert doc.meta.lang == "zh"


def test_pdf_wrapped_chinese_lines_are_joined_without_spaces(pdf_factory):
    doc = load_document(pdf_factory("wrap.pdf", [["正规贷款在放款前", "不收任何费用。"]]))
    assert "正规贷款在放款前不收任何费用。" in doc.sections[0][1]


def test_statute_pdf_is_split_on_articles_with_the_page_each_starts_on(pdf_factory):
    path = pdf_factory(
        "regulation.pdf",
        [
            ["农业保险条例", "第一章 总则", "第一条 为了规范农业保险活动，制定本条例。", "第二条 本条例所称农业保险，"],
            ["是指保险机构对约定损失承担赔偿责任的保险活动。", "第二章 合同", "第十二条 保险机构应当及时查勘定损。"],
            ["第十二条之一 查勘结果应当公示。", "依照本条例第十四条的规定支付赔款。"],
        ],
    )
    doc = load_document(path)
    locators = [loc for loc, _ in doc.sections]
    assert locators == [
        "第一章 总则 · 第一条 · p.1",
        "第一章 总则 · 第二条 · p.1",
        "第二章 合同 · 第十二条 · p.2",
        "第二章 合同 · 第十二条之一 · p.3",
    ]  # the title line is the document title, not a section
    assert doc.meta.kind == "statute"
    article_two = dict(doc.sections)["第一章 总则 · 第二条 · p.1"]
    assert "约定损失承担赔偿责任" in article_two  # continues across the page break
    assert "第二章" not in article_two  # chapter headings are not part of an article
    assert (
        "第十四条的规定" in dict(doc.sections)["第二章 合同 · 第十二条之一 · p.3"]
    )  # a reference inside a line does not split


def test_a_single_article_mention_does_not_make_a_pdf_a_statute(pdf_factory):
    doc = load_document(pdf_factory("notice.pdf", [["通知", "第三条 提到一次。"], ["其他内容。"]]))
    assert [loc for loc, _ in doc.sections] == ["p.1", "p.2"]


def test_english_pdf_is_detected_as_english(pdf_factory):
    doc = load_document(
        pdf_factory("claims.pdf", [["Farm insurance claims", "Report the loss to your insurer today."]])
    )
    assert doc.meta.lang == "en"
    assert doc.meta.title == "Farm insurance claims"


def test_corrupt_pdf_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    with pytest.raises(DocumentError, match=r"^broken\.pdf: not a readable PDF"):
        load_document(path)


def test_password_protected_pdf_is_refused_with_its_name(pdf_factory):
    path = pdf_factory("locked.pdf", [["保密内容"]], password="secret")
    with pytest.raises(DocumentError, match=r"^locked\.pdf: the PDF is password-protected"):
        load_document(path)


def test_pdf_without_text_layer_is_refused_with_its_name(pdf_factory):
    path = pdf_factory("scan.pdf", [[], []])
    with pytest.raises(DocumentError, match=r"^scan\.pdf: the PDF has no text layer"):
        load_document(path)


def test_empty_pdf_file_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "nothing.pdf"
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match=r"^nothing\.pdf: the file is empty"):
        load_document(path)


def test_pdf_with_more_pages_than_the_cap_is_refused(pdf_factory, monkeypatch: pytest.MonkeyPatch):
    import knowledge.ingest.pdf_reader as reader

    monkeypatch.setattr(reader, "MAX_PDF_PAGES", 3)
    path = pdf_factory("long.pdf", [["第一页"], ["第二页"], ["第三页"], ["第四页"]])
    with pytest.raises(DocumentError, match=r"^long\.pdf: the PDF has more than 3 pages"):
        load_document(path)
    assert load_document(pdf_factory("short.pdf", [["第一页"], ["第二页"], ["第三页"]])).sections
