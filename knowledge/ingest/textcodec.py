"""Decoding operator text files: UTF-8 (BOM or not), UTF-16 with BOM, then GB18030 for GBK/GB2312 files."""

from __future__ import annotations

import codecs
import re

from knowledge.ingest.frontmatter import DocumentError

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# GB2312 and GBK are subsets of GB18030; decoding with the superset reads all three.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030"}
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def normalise_encoding(name: str) -> str | None:
    """Python codec name for a declared charset (GBK family mapped to GB18030), None when unknown."""
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_text(raw: bytes, name: str, declared: str | None = None) -> str:
    """Decode file bytes: BOM first, then a declared charset, then UTF-8, then GB18030; names the file on failure."""
    if not raw.strip():
        raise DocumentError(f"{name}: the file is empty")
    candidates: list[str] = [enc for bom, enc in _BOMS if raw.startswith(bom)][:1]
    if declared:
        codec = normalise_encoding(declared)
        if codec:
            candidates.append(codec)
    candidates += ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if "\x00" in text:
            continue
        return text.lstrip("\ufeff")
    raise DocumentError(f"{name}: not UTF-8 or GBK text (save it as UTF-8 and try again)")


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space between two Chinese characters, one space otherwise."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if out and not (_CJK.match(out[-1]) and _CJK.match(line[0])):
            out += " "
        out += line
    return out
