"""Composing a short, extractive, sourced answer from retrieved passages."""

from __future__ import annotations

import re

from knowledge.answer_types import Answer, SourceInfo
from knowledge.tokenize import tokenize
from knowledge.types import Lang, Passage

_ZH_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
_EN_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\n+")
LIMITS = {"zh": 200, "en": 80}
VARIES_NOTE = {
    "zh": "各地规定不同，请向村委会、乡镇或放款银行确认。",
    "en": "Rules differ by county: please confirm with your village committee, township office or the bank.",
}
OTHER_LANG_NOTE = {"zh": "（以下内容来自英文资料）", "en": "(From a Chinese-language document:)"}


class AnswerComposer:
    """Picks the best passage and cuts it to a phone-screen answer; abstains below the confidence floor."""

    def __init__(self, *, min_dense: float = 0.87, min_dense_lexical: float = 0.85, min_bm25: float = 6.0) -> None:
        self._min_dense = min_dense
        self._min_dense_lexical = min_dense_lexical
        self._min_bm25 = min_bm25

    def is_confident(self, passages: list[Passage]) -> bool:
        """Whether the best passage is close enough to the question: very close in meaning, or close in
        meaning with strong word overlap (multilingual-e5 cosines are compressed, so the floors are high)."""
        if not passages:
            return False
        top = passages[0]
        if top.dense_score >= self._min_dense:
            return True
        return top.dense_score >= self._min_dense_lexical and top.bm25_score >= self._min_bm25

    def compose(self, question: str, passages: list[Passage], lang: Lang) -> Answer:
        """Return an Answer: the most relevant sentences of the best passage, in the farmer's language if possible."""
        if not self.is_confident(passages):
            return Answer(text="", lang=lang, confident=False, passages=passages)
        best = _prefer_language(passages, lang)
        doc = best.chunk.doc
        body = extract(question, best.text, doc.lang)
        parts = []
        if doc.lang != lang:
            parts.append(OTHER_LANG_NOTE[lang])
        parts.append(body)
        if doc.varies_locally:
            parts.append(VARIES_NOTE[lang])
        sources = [SourceInfo(title=doc.title, locator=best.locator, url=doc.url)]
        return Answer(
            text="\n".join(parts), lang=lang, confident=True, sources=sources, passages=passages, topic=doc.topic
        )


def _prefer_language(passages: list[Passage], lang: Lang) -> Passage:
    """The top passage, unless one in the farmer's language scores nearly as well among the top three."""
    top = passages[0]
    if top.chunk.doc.lang == lang:
        return top
    for passage in passages[1:3]:
        if passage.chunk.doc.lang == lang and passage.dense_score >= top.dense_score - 0.03:
            return passage
    return top


def extract(question: str, text: str, text_lang: str) -> str:
    """Keep the passage's lead sentence plus the sentences sharing most words with the question, in order."""
    sentences = split_sentences(text, text_lang)
    if not sentences:
        return text.strip()
    limit = LIMITS.get(text_lang, 200)
    if _size(text, text_lang) <= limit:
        return text.strip() if len(sentences) > 1 else sentences[0]
    wanted = set(tokenize(question))
    scored = sorted(range(1, len(sentences)), key=lambda i: -len(wanted & set(tokenize(sentences[i]))))
    chosen = {0}
    used = _size(sentences[0], text_lang)
    for i in scored:
        size = _size(sentences[i], text_lang)
        if used + size > limit:
            continue
        chosen.add(i)
        used += size
    joiner = "" if text_lang == "zh" else " "
    return joiner.join(sentences[i] for i in sorted(chosen))


def split_sentences(text: str, lang: str) -> list[str]:
    """Split text into sentences (Chinese full stops, or English sentence ends), dropping blanks."""
    parts = _ZH_SENTENCE.findall(text) if lang == "zh" else _EN_BOUNDARY.split(text)
    return [p.strip() for p in parts if p and p.strip()]


def _size(text: str, lang: str) -> int:
    return len(text.split()) if lang == "en" else len(text)
