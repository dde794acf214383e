from pathlib import Path

import pytest

from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.loader import load_document
from knowledge.ingest.textcodec import decode_text, join_lines, normalise_encoding


def test_utf8_bom_is_removed():
    assert decode_text("\ufeff小额信贷".encode(), "a.txt") == "小额信贷"


def test_gbk_bytes_decode_through_gb18030():
    assert decode_text("不收任何费用".encode("gbk"), "a.txt") == "不收任何费用"


def test_utf16_with_bom_is_decoded():
    assert decode_text("验证码".encode("utf-16"), "a.txt") == "验证码"


def test_gb2312_declaration_maps_to_gb18030():
    assert normalise_encoding("GB2312") == "gb18030"
    assert normalise_encoding("no-such-charset") is None


def test_undecodable_bytes_are_refused_with_the_file_name():
    with pytest.raises(DocumentError, match=r"^menu\.txt: not UTF-8 or GBK text"):
        decode_text(b"caf\xe9", "menu.txt")


def test_join_lines_spaces_only_around_latin_text():
    assert join_lines(["利率不超过", "一年期LPR", "per year"]) == "利率不超过一年期LPR per year"


def test_gbk_plain_text_file_is_read_by_the_loader(tmp_path: Path):
    path = tmp_path / "通知.txt"
    path.write_bytes("村里开会讲保险。\n\n时间是周五。".encode("gbk"))
    assert load_document(path).sections == [("¶1", "村里开会讲保险。"), ("¶2", "时间是周五。")]
