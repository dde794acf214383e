"""Follow-up questions that lean on the question before them ("那要多久还？", "what about the interest?").

A second turn that names no subject of its own is answered within the subject of the previous question: the document
that answered the previous question lifts its sections, and the follow-up's own words pick among them, so "那要几年
还清" after "脱贫户能借几万" is read as a question about the microcredit's term, not the amount again
(knowledge/service.py, knowledge/retriever.py). The previous question and the follow-up together (`with_context`) are
what the confidence floor reads. A follow-up naming another topic ("那保险呢") switches to it (`topic_switch`). A turn
counts as a follow-up when it opens or closes the way a follow-up does (那…, 如果…, …呢, "what about", "and …"),
points back ("这个", "it", "that"), or is so short that it cannot carry a subject of its own.
"""

from __future__ import annotations

import re

from core.lang import Lang
from knowledge.scope import topics_named

_ZH_OPENERS = re.compile(r"^(那|那么|那要|那如果|如果|要是|万一|还有|另外|再|也|又|还|那我|那俺|那他|那咱)")
_ZH_CLOSERS = re.compile(r"(呢|咋办|怎么办|算不算|行不行|中不中|可以不|行不)$")
_ZH_POINTERS = re.compile(r"(这个|这种|这样|那个|那种|这笔|它|他们|上面|刚才|前面)")
_EN_OPENERS = re.compile(r"^(and|but|so|then|what about|how about|what if|also|same|if so|and if|or)\b", re.IGNORECASE)
_EN_POINTERS = re.compile(r"\b(it|that|this|they|them|those|these|there)\b", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TRIM = re.compile(r"[\s，。？！?!,.、~…]+")
# Turns at most this long (Chinese characters / English words) are read with the previous question.
SHORT_ZH = 8
SHORT_EN = 5


def is_follow_up(question: str, lang: Lang) -> bool:
    """Whether the turn reads as a follow-up that needs the previous question to make sense."""
    text = _TRIM.sub(" ", question).strip()
    if not text:
        return False
    if lang == "zh" or _CJK.search(text):
        compact = text.replace(" ", "")
        return (
            len(_CJK.findall(compact)) <= SHORT_ZH
            or bool(_ZH_OPENERS.search(compact))
            or bool(_ZH_CLOSERS.search(compact))
            or bool(_ZH_POINTERS.search(compact))
        )
    words = text.split()
    return len(words) <= SHORT_EN or bool(_EN_OPENERS.search(text)) or bool(_EN_POINTERS.search(text))


def with_context(previous: str, question: str) -> str:
    """The text to search for a follow-up: the previous question, then this one."""
    return f"{previous.strip()} {question.strip()}"


def topic_switch(previous: str, question: str) -> tuple[str, ...]:
    """The topics a follow-up turns to when it names none of the previous question's ("那保险呢"), else ()."""
    now = topics_named(question)
    if not now or set(now) & set(topics_named(previous)):
        return ()
    return tuple(now)
