from pathlib import Path

import pytest

from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.loader import expand_paths, load_document
from knowledge.ingest.markdown import split_long


def test_markdown_sections_keep_their_heading_as_locator(corpus: Path):
    doc = load_document(corpus / "loan-zh.md")
    assert doc.meta.doc_id == "loan-zh"
    assert doc.meta.varies_locally is True
    assert [loc for loc, _ in doc.sections] == ["能贷多少", "利率"]
    assert "5万元" in doc.sections[0][1]


def test_gbk_encoded_text_file_is_read_correctly(tmp_path: Path):
    path = tmp_path / "notice.txt"
    path.write_bytes("贷款前收费的都是诈骗。\n\n请拨打96110。".encode("gbk"))
    doc = load_document(path)
    assert doc.meta.lang == "zh"
    assert doc.sections == [("¶1", "贷款前收费的都是诈骗。"), ("¶2", "请拨打96110。")]


def test_empty_file_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "blank.md"
    path.write_text("   \n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"blank\.md: the file is empty"):
        load_document(path)


def test_unsupported_format_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "table.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(DocumentError, match=r"table\.xlsx: unsupported format"):
        load_document(path)


def test_long_section_is_split_on_sentence_ends_within_limit():
    text = "第一句话写得比较长一些。" * 60
    pieces = split_long(text, limit=100)
    assert len(pieces) > 1
    assert all(len(p) <= 100 for p in pieces)
    assert "".join(pieces) == text


def test_directories_expand_to_supported_files_without_readme(corpus: Path):
    (corpus / "README.md").write_text("# about", encoding="utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG")
    names = [p.name for p in expand_paths([corpus])]
    assert names == ["insurance-en.md", "loan-zh.md", "scam-zh.md"]
