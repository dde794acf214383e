from pathlib import Path

import pytest

from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.html_reader import declared_charset
from knowledge.ingest.loader import load_document

PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="{charset}"><title>{title}</title>
<style>body {{ color: red; }}</style>
<script>var tracking = "不要索引这段脚本";</script>
</head>
<body>
<nav><a href="/">首页</a> | <a href="/news">新闻</a></nav>
<h1>{title}</h1>
<p>发现受灾后，<b>尽快</b>报案。</p>
<h2>保留证据</h2>
<p>拍下受灾地块的照片。</p>
<ul><li>拍清位置</li><li>拍清日期</li></ul>
<h3>赔款</h3>
<table><tr><th>步骤</th><th>时限</th></tr><tr><td>支付赔款</td><td>10日内</td></tr></table>
<footer>版权所有 某某网站</footer>
</body></html>
"""


def _page(**kwargs: str) -> str:
    values = {"lang": "zh-CN", "charset": "utf-8", "title": "农业保险理赔"} | kwargs
    return PAGE.format(**values)


def test_html_headings_locate_sections_and_page_chrome_is_dropped(tmp_path: Path):
    path = tmp_path / "claims.html"
    path.write_text(_page(), encoding="utf-8")
    doc = load_document(path)
    assert [loc for loc, _ in doc.sections] == ["农业保险理赔", "保留证据", "赔款"]
    assert doc.sections[0][1] == "发现受灾后，尽快报案。"  # inline tags do not break the sentence
    assert doc.sections[1][1] == "拍下受灾地块的照片。\n拍清位置\n拍清日期"
    assert doc.sections[2][1] == "步骤 | 时限\n支付赔款 | 10日内"
    text = " ".join(t for _, t in doc.sections)
    for dropped in ("不要索引", "color", "首页", "版权所有"):
        assert dropped not in text
    assert doc.meta.title == "农业保险理赔"
    assert doc.meta.lang == "zh"


def test_gbk_page_declared_with_http_equiv_gb2312_is_decoded(tmp_path: Path):
    html = _page(charset="x").replace(
        '<meta charset="x">', '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    )
    path = tmp_path / "gbk.htm"
    path.write_bytes(html.encode("gbk"))
    doc = load_document(path)
    assert doc.meta.title == "农业保险理赔"
    assert doc.sections[1] == ("保留证据", "拍下受灾地块的照片。\n拍清位置\n拍清日期")


def test_gbk_page_without_declaration_falls_back_to_gb18030(tmp_path: Path):
    html = _page().replace('<meta charset="utf-8">', "")
    path = tmp_path / "nodecl.html"
    path.write_bytes(html.encode("gbk"))
    assert load_document(path).meta.title == "农业保险理赔"


def test_wrong_charset_declaration_is_survived(tmp_path: Path):
    path = tmp_path / "liar.html"
    path.write_bytes(_page(charset="utf-8").encode("gbk"))  # says UTF-8, is GBK
    assert load_document(path).sections[0][0] == "农业保险理赔"


def test_html_lang_attribute_sets_english(tmp_path: Path):
    path = tmp_path / "en.html"
    path.write_text(
        "<html lang='en-GB'><body><h2>Claims</h2><p>保险 claims explained.</p></body></html>", encoding="utf-8"
    )
    doc = load_document(path)
    assert doc.meta.lang == "en"
    assert doc.meta.title == "Claims"


def test_declared_charset_reads_meta_and_xml_forms():
    assert declared_charset(b'<meta charset="GBK">') == "GBK"
    assert declared_charset(b'<meta http-equiv="content-type" content="text/html; charset=gb2312" />') == "gb2312"
    assert declared_charset(b'<?xml version="1.0" encoding="GB18030"?><html/>') == "GB18030"
    assert declared_charset(b"<html><body>no charset</body></html>") is None


def test_html_with_only_scripts_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "app.html"
    path.write_text("<html><head><script>run()</script></head><body><nav>menu</nav></body></html>", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"^app\.html: no text found"):
        load_document(path)
