"""Pasted chats: split "对方: … 我: …" lines by speaker so a chat is judged on the other side's words only."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.scam.rules import for_display

# "对方：…", "客服小王: …", "[张经理] 10:42：…", "Me: …". A label is short and has no sentence punctuation, so a
# clause like "温馨提示：" is also read as a label; that is harmless because only the farmer's own labels are dropped.
_SPEAKER_LINE = re.compile(
    r"^\s*[\[【(（]?(?P<label>[^\s:：\[\]【】()（）。，,！？!?]{1,12})[\]】)）]?"
    r"(\s*\d{1,2}[:：]\d{2}([:：]\d{2})?)?\s*[:：]\s*(?P<body>\S.*)$"
)
# A speaker header on its own line, as chat apps copy it: "张经理 10:42", "我 2026/5/1 10:43", "[客服] 09:05".
_HEADER_LINE = re.compile(
    r"^\s*[\[【(（]?(?P<label>[^\s:：\[\]【】()（）。，,！？!?]{1,12})[\]】)）]?\s+"
    r"(\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?\s+)?\d{1,2}[:：]\d{2}([:：]\d{2})?\s*$"
)
# Labels farmers use for their own lines when they paste a chat.
OWN_LABELS = frozenset({"我", "我方", "本人", "自己", "俺", "我自己", "me", "myself", "i"})
QUOTE_MAX = 40
_QUOTE_BEFORE = 12
_FRAMING_MAX = 30
_REQUEST = re.compile(
    r"(帮我|帮忙|麻烦你|你看看|看一下|看看|是不是骗|聊天记录|\bcheck\b|\bis this\b|\bscam\?)", re.IGNORECASE
)


@dataclass(frozen=True)
class ChatLine:
    """One line of a pasted text: who said it (None when unlabelled), whether it is the farmer's own, its words."""

    speaker: str | None
    own: bool
    text: str


@dataclass(frozen=True)
class PastedText:
    """A text split into lines; `their_text` is what gets judged and `quote` maps a position in it to its line."""

    lines: tuple[ChatLine, ...]
    is_chat: bool

    @property
    def judged(self) -> tuple[ChatLine, ...]:
        """The lines whose words are judged: all but the farmer's own."""
        return tuple(line for line in self.lines if not line.own)

    @property
    def their_text(self) -> str:
        """The judged lines joined by line breaks (a line break also ends a clause for the rules)."""
        return "\n".join(line.text for line in self.judged)

    @property
    def multi_line(self) -> bool:
        """Whether more than one line is judged (then evidence quotes the line it came from)."""
        return len(self.judged) > 1

    def line_at(self, position: int) -> ChatLine | None:
        """The judged line that holds character `position` of `their_text`."""
        start = 0
        for line in self.judged:
            end = start + len(line.text)
            if start <= position <= end:
                return line
            start = end + 1
        return None

    def quote(self, position: int, matched: str) -> str:
        """A short quote of the judged line around `position` ("对方：…把验证码发给我…"), for the farmer to see."""
        line = self.line_at(position)
        if line is None:
            return matched
        start_of_line = self.their_text.rfind("\n", 0, position) + 1
        return quote_line(line, position - start_of_line)


def quote_line(line: ChatLine, offset: int) -> str:
    """The line's words (with its speaker) cut to about QUOTE_MAX characters around `offset`."""
    text = line.text
    if len(text) > QUOTE_MAX:
        begin = max(0, min(offset - _QUOTE_BEFORE, len(text) - QUOTE_MAX))
        cut = text[begin : begin + QUOTE_MAX]
        text = ("…" if begin > 0 else "") + cut + ("…" if begin + QUOTE_MAX < len(text) else "")
    text = for_display(text)
    return f"{line.speaker}：{text}" if line.speaker else text


def is_framing(line: str) -> bool:
    """Whether an unlabelled line before a chat only introduces it (a header ending in a colon, or a check request)."""
    return line.rstrip().endswith((":", "：")) or (len(line) <= _FRAMING_MAX and _REQUEST.search(line) is not None)


def _is_own(label: str) -> bool:
    return label.strip().lower() in OWN_LABELS


def split_pasted(text: str) -> PastedText:
    """Split a pasted text into speaker lines; unlabelled lines continue the speaker (or header) above them.

    It is a chat when at least two lines carry speaker labels. Lines before the first label that only frame
    the paste ("帮我看看这段聊天：") are the farmer's own words. A text without labels is judged as a whole, and
    its evidence quotes the line it came from."""
    raw_lines = [line.strip() for line in text.splitlines() if line.strip()]
    headers = [_HEADER_LINE.match(line) for line in raw_lines]
    parsed = [None if header else _SPEAKER_LINE.match(line) for line, header in zip(raw_lines, headers, strict=True)]
    labelled = sum(match is not None for match in parsed) + sum(header is not None for header in headers)
    if labelled < 2:
        return PastedText(lines=tuple(ChatLine(None, False, line) for line in raw_lines), is_chat=False)
    lines: list[ChatLine] = []
    current: ChatLine | None = None
    for line, match, header in zip(raw_lines, parsed, headers, strict=True):
        if header is not None:
            label = header.group("label")
            current = ChatLine(label, _is_own(label), "")
        elif match is not None:
            label = match.group("label")
            current = ChatLine(label, _is_own(label), match.group("body").strip())
            lines.append(current)
        elif current is None:
            # Before the first speaker: the farmer's framing ("帮我看看这段聊天：") is theirs, anything else is judged.
            lines.append(ChatLine(None, is_framing(line), line))
        else:
            lines.append(ChatLine(current.speaker, current.own, line))
    return PastedText(lines=tuple(line for line in lines if line.text), is_chat=True)
