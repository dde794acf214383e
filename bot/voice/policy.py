"""When a transcript must be confirmed before it is used, and how it is read back (ID numbers masked)."""

from __future__ import annotations

import re

from loans.validation import mask_id

# Anything with a number (amounts, terms, ID, phone) or a word of the pre-application is confirmed first.
_NUMBER = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿]")
_FORM_WORDS = (
    "申请",
    "办理",
    "提交",
    "身份证",
    "电话",
    "手机",
    "名字",
    "姓名",
    "同意",
    "取消",
    "不办",
    "填错",
    "改成",
    "村",
    "乡",
    "镇",
    "apply",
    "application",
    "phone",
    "name",
    "cancel",
    "agree",
    "id",
)
_QUESTION = re.compile(
    r"[？?]|吗|呢|么|什么|怎么|怎样|如何|哪|几|多少|能不能|可不可以|是不是|有没有|会不会|要不要|啥|咋|谁"
    r"|^(what|how|can|could|is|are|do|does|where|who|when|why|which|should)\b",
    re.IGNORECASE,
)
_RESIDENT_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_LATIN_WORD = re.compile(r"[a-z]+")


def needs_confirmation(text: str) -> bool:
    """True unless the transcript is a plain question with no number and no pre-application word."""
    lowered = text.lower()
    if _NUMBER.search(text):
        return True
    words = set(_LATIN_WORD.findall(lowered))
    if any(w in lowered if not w.isascii() else w in words for w in _FORM_WORDS):
        return True
    return not _QUESTION.search(lowered.strip())


def read_back(text: str) -> str:
    """The transcript as shown to the farmer: resident ID numbers masked (4408**********1236)."""
    return _RESIDENT_ID.sub(lambda m: mask_id(m.group(0)), text)
