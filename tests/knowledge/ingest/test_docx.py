from pathlib import Path

import pytest
from docx import Document

from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.loader import load_document


def _write_docx(path: Path) -> Path:
    document = Document()
    document.add_heading("小额信贷办理指南", level=0)
    document.add_paragraph("本指南供村级服务站使用。")
    document.add_heading("申请条件", level=1)
    document.add_paragraph("年龄一般在18到65周岁。")
    document.add_paragraph("有劳动能力和还款意愿。")
    document.add_heading("所需材料", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, (name, note) in enumerate([("材料", "说明"), ("身份证", "申请人本人"), ("户口本", "全家")]):
        table.cell(row, 0).text = name
        table.cell(row, 1).text = note
    document.add_heading("细节", level=4)
    document.add_paragraph("四级标题下的内容归入上一节。")
    document.save(str(path))
    return path


def test_docx_headings_become_locators_and_paragraphs_group_under_them(tmp_path: Path):
    doc = load_document(_write_docx(tmp_path / "guide.docx"))
    assert [loc for loc, _ in doc.sections] == ["", "申请条件", "所需材料"]
    assert doc.sections[1][1] == "年龄一般在18到65周岁。\n有劳动能力和还款意愿。"
    assert doc.meta.title == "小额信贷办理指南"
    assert doc.meta.lang == "zh"


def test_docx_tables_are_flattened_row_by_row(tmp_path: Path):
    doc = load_document(_write_docx(tmp_path / "guide.docx"))
    materials = dict(doc.sections)["所需材料"]
    assert "材料 | 说明\n身份证 | 申请人本人\n户口本 | 全家" in materials
    assert materials.endswith("细节\n四级标题下的内容归入上一节。")


def test_docx_merged_cells_appear_once(tmp_path: Path):
    document = Document()
    table = document.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "合并单元格"
    table.cell(0, 2).text = "右侧"
    path = tmp_path / "merged.docx"
    document.save(str(path))
    doc = load_document(path)
    assert doc.sections == [("", "合并单元格 | 右侧")]


def test_docx_title_falls_back_to_the_file_name_without_headings(tmp_path: Path):
    document = Document()
    document.add_paragraph("Report crop losses to the insurer at once.")
    path = tmp_path / "claims-note.docx"
    document.save(str(path))
    doc = load_document(path)
    assert doc.meta.title == "claims-note"
    assert doc.meta.lang == "en"


def test_corrupt_docx_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DocumentError, match=r"^broken\.docx: not a readable Word"):
        load_document(path)


def test_docx_without_text_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "blank.docx"
    Document().save(str(path))
    with pytest.raises(DocumentError, match=r"^blank\.docx: no text found"):
        load_document(path)


def test_docx_that_unpacks_beyond_the_cap_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import zipfile

    import knowledge.ingest.docx_reader as reader

    monkeypatch.setattr(reader, "MAX_DOCX_UNCOMPRESSED_BYTES", 1024 * 1024)
    path = _write_docx(tmp_path / "bomb.docx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/media/padding.bin", b"\0" * (2 * 1024 * 1024))  # a few kB packed
    assert path.stat().st_size < 200_000

    def never(*_args: object) -> None:
        raise AssertionError("python-docx must not open an oversized package")

    monkeypatch.setattr("docx.Document", never)
    with pytest.raises(DocumentError, match=r"^bomb\.docx: the Word file unpacks to more than 1 MiB"):
        load_document(path)
