"""Explicit "is this message a scam?" checks: find the quoted message and word the verdict for the farmer."""

from __future__ import annotations

import re

from core.lang import Lang
from core.text import Bilingual, bi
from knowledge.scam.chat import split_pasted
from knowledge.scam.types import ScamAssessment

# Words that make the part before a colon or line break a request to check a message.
_REQUEST_CUE = re.compile(
    r"(看看|看下|看一下|瞅瞅|瞧|查查|查一下|查下|鉴定|鉴别|判断|核实|识别|检查|检测|分析|把关|真假|真的|假的|靠谱|可信|"
    r"骗|诈骗|短信|信息|消息|内容|聊天记录|\bcheck\b|\bscam\b|\bfraud\b|\breal\b|\bfake\b|\bgenuine\b|\blegit\b|"
    r"\bverify\b|\blook at\b|\bmessage\b|\btext\b|\bsms\b|\bsafe\b)",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"[:：\n]")
_OPEN_QUOTE = re.compile(r"[“\"「『]")
_QUOTED = re.compile(r"[“\"「『](?P<body>[^”\"」』]{8,})[”\"」』]")
# Without a separator, a long text is itself the message (the request words barely change the verdict).
_BARE_MESSAGE_CHARS = 30
_MIN_MESSAGE_CHARS = 4

_CLEAN: Bilingual = bi(
    (
        "✅ 这条消息里没有发现已知的诈骗信号。\n"
        "不过还是要小心：正规贷款放款前不收任何费用；验证码、密码不要告诉任何人；"
        "不点陌生链接、不装陌生APP。拿不准就拨打 96110 反诈专线问一问。"
    ),
    (
        "✅ I found no known scam warning signs in this message.\n"
        "Still, stay careful: real lenders never charge anything before a loan is paid out; never share "
        "verification codes or passwords; do not tap unknown links or install unknown apps. If unsure, call "
        "the 96110 anti-fraud line."
    ),
)
_CLEAN_CHAT: Bilingual = bi(
    (
        "✅ 这段聊天里对方说的话没有发现已知的诈骗信号（您自己说的话不算在内）。\n"
        "不过还是要小心：对方让您交钱、借钱、转账、给验证码或装APP时，先停下来核实。拿不准就拨打 96110 反诈专线问一问。"
    ),
    (
        "✅ I found no known scam warning signs in what the other side wrote in this chat (your own lines are not "
        "counted).\nStill, stop and check before you pay, borrow, transfer, share a code or install an app they "
        "suggest. If unsure, call the 96110 anti-fraud line."
    ),
)
_NOTE_HEAD: Bilingual = bi(
    "有几点值得留意，但还不足以判断是骗局：",
    "A few things are worth noting, though not enough to call it a scam:",
)


def is_check_request(text: str) -> bool:
    """True when the text opens by asking to check a message ("帮我看看这条短信…", "is this message a scam: …").

    Only the opening counts (before the first colon, line break or quote, at most 30 characters), so a loan
    question that merely mentions a fee is not mistaken for a request to check a message.
    """
    stripped = text.strip()
    cut = min(
        [match.start() for match in (_SEPARATOR.search(stripped), _OPEN_QUOTE.search(stripped)) if match]
        + [_BARE_MESSAGE_CHARS]
    )
    return bool(_REQUEST_CUE.search(stripped[:cut]))


def extract_checked_message(text: str) -> str | None:
    """Return the message a farmer wants checked ("帮我看看这条短信：<message>"), or None if none is given."""
    stripped = text.strip()
    if split_pasted(stripped).is_chat:
        # A pasted chat ("对方：…\n我：…") is checked whole: its colons are speaker labels, not a request's end,
        # and the detector itself sets aside the farmer's own lines and framing.
        return stripped
    for separator in _SEPARATOR.finditer(stripped):
        head, tail = stripped[: separator.start()], stripped[separator.end() :].strip()
        if _REQUEST_CUE.search(head) and len(tail) >= _MIN_MESSAGE_CHARS:
            return tail
    quoted = _QUOTED.search(stripped)
    if quoted:
        return quoted.group("body").strip()
    if len(stripped) >= _BARE_MESSAGE_CHARS:
        return stripped
    return None


def check_reply(assessment: ScamAssessment, lang: Lang) -> str:
    """The verdict on a message the farmer asked about: the full warning, or "nothing known found, stay careful"."""
    if assessment.should_warn:
        return assessment.warning(lang)
    clean = _CLEAN_CHAT.get(lang) if assessment.chat else _CLEAN.get(lang)
    if not assessment.signals:
        return clean
    notes = "\n".join(f"• {signal.explanation(lang)}" for signal in assessment.signals)
    return f"{clean}\n{_NOTE_HEAD.get(lang)}\n{notes}"
