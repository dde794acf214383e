"""A small character trigram language model (interpolated Kneser-Ney) over Chinese text.

It scores how plausible a run of characters is in the knowledge base's own language: 没还清 over 梅环青, 保险 over
报显. Built from a few hundred kilobytes of text in well under a second; a few megabytes in memory. Clauses are
scored on their own: text is cut at punctuation, spaces and Latin letters; digit runs become one symbol (`DIGIT`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator

BOUNDARY = "|"
DIGIT = "#"
_DISCOUNT = 0.75
_CLAUSE = re.compile(r"[\u4e00-\u9fff0-9]+")
_DIGITS = re.compile(r"[0-9]+")


def clauses(text: str) -> Iterator[str]:
    """The text's clauses as the model sees them: runs of Chinese characters and digits, digit runs as `DIGIT`."""
    for match in _CLAUSE.finditer(text):
        yield _DIGITS.sub(DIGIT, match.group(0))


class CharLanguageModel:
    """Interpolated Kneser-Ney character trigram model; `logprob` in natural log."""

    def __init__(self, texts: Iterable[str], background: GeneralCharModel | None = None, weight: float = 0.2) -> None:
        """Counts the trigrams of every clause of the texts (each clause padded with `BOUNDARY`); `background`, when
        given, is mixed in with `weight` (the share of the general model in every probability)."""
        self._background = background
        self._weight = weight if background is not None else 0.0
        trigrams: Counter[tuple[str, str, str]] = Counter()
        kept: list[str] = []
        for text in texts:
            for clause in clauses(text):
                kept.append(clause)
                padded = BOUNDARY * 2 + clause + BOUNDARY
                trigrams.update(zip(padded, padded[1:], padded[2:], strict=False))
        self._tri = trigrams
        self._text = BOUNDARY.join(kept)
        # Counts of the history (a, b) and its distinct followers, for the trigram level.
        self._tri_ctx: Counter[tuple[str, str]] = Counter()
        self._tri_types: Counter[tuple[str, str]] = Counter()
        # Kneser-Ney continuation counts for the bigram level: distinct a before (b, c).
        bigram_cont: Counter[tuple[str, str]] = Counter()
        for a, b, c in trigrams:
            self._tri_ctx[a, b] += trigrams[a, b, c]
            self._tri_types[a, b] += 1
            bigram_cont[b, c] += 1
        self._bi = bigram_cont
        self._bi_ctx: Counter[str] = Counter()
        self._bi_types: Counter[str] = Counter()
        unigram_cont: Counter[str] = Counter()
        for b, c in bigram_cont:
            self._bi_ctx[b] += bigram_cont[b, c]
            self._bi_types[b] += 1
            unigram_cont[c] += 1
        self._uni = unigram_cont
        self._uni_total = sum(unigram_cont.values())
        self._vocab = len(unigram_cont) + 1
        self.char_counts: Counter[str] = Counter()
        for (_, _, c), n in trigrams.items():
            self.char_counts[c] += n
        self._pairs: Counter[str] = Counter()
        for (_, b, c), n in trigrams.items():
            if b != BOUNDARY and c != BOUNDARY:
                self._pairs[b + c] += n
        self._cache: dict[tuple[str, str, str], float] = {}

    def __len__(self) -> int:
        """The number of distinct trigrams kept (the model's size)."""
        return len(self._tri)

    def pair_count(self, b: str, c: str) -> int:
        """How often the text has character `c` right after `b` in a clause."""
        return self._pairs[b + c] if b and c else 0

    def word_count(self, word: str) -> int:
        """How often the text uses a string of characters (not across clauses)."""
        return self._text.count(word)

    def logprob(self, a: str, b: str, c: str) -> float:
        """log P(c | a b), interpolated down to the bigram and unigram levels and a uniform floor."""
        key = (a, b, c)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        p_uni = (max(self._uni[c] - _DISCOUNT, 0.0) + _DISCOUNT * len(self._uni) / self._vocab) / self._uni_total
        p_bi = p_uni
        bi_total = self._bi_ctx[b]
        if bi_total:
            p_bi = (max(self._bi[b, c] - _DISCOUNT, 0.0) + _DISCOUNT * self._bi_types[b] * p_uni) / bi_total
        p = p_bi
        tri_total = self._tri_ctx[a, b]
        if tri_total:
            p = (max(self._tri[a, b, c] - _DISCOUNT, 0.0) + _DISCOUNT * self._tri_types[a, b] * p_bi) / tri_total
        if self._background is not None and c != BOUNDARY and b != BOUNDARY:
            p = (1 - self._weight) * p + self._weight * self._background.prob(b, c)
        elif self._background is not None and c != BOUNDARY:
            p = (1 - self._weight) * p + self._weight * self._background.prob("", c)
        value = math.log(p)
        if len(self._cache) < 50_000:
            self._cache[key] = value
        return value

    def score(self, clause: str) -> float:
        """log P of a whole clause, boundaries included."""
        padded = BOUNDARY * 2 + clause + BOUNDARY
        return sum(self.logprob(a, b, c) for a, b, c in zip(padded, padded[1:], padded[2:], strict=False))


class GeneralCharModel:
    """Character bigrams inside the words of jieba's general dictionary, weighted by how often each word is used:
    how ordinary Chinese runs outside the knowledge base (王建国, 清水镇), so a right character the corpus happens not
    to use is not mistaken for a slip."""

    def __init__(self, word_counts: Iterable[tuple[str, int]], *, min_count: int = 1) -> None:
        """`word_counts`: (word, how often it is used); words used fewer than `min_count` times are left out."""
        unigrams: Counter[str] = Counter()
        bigrams: Counter[str] = Counter()
        following: Counter[str] = Counter()
        for word, count in word_counts:
            if count < min_count:
                continue
            for char in word:
                unigrams[char] += count
            for i in range(len(word) - 1):
                bigrams[word[i : i + 2]] += count
                following[word[i]] += count
        self._uni = unigrams
        self._bi = bigrams
        self._following = following
        self._total = sum(unigrams.values()) or 1
        self._floor = 1.0 / (self._total + len(unigrams) + 1)

    def __len__(self) -> int:
        """The number of distinct bigrams kept."""
        return len(self._bi)

    def prob(self, b: str, c: str) -> float:
        """P(c | b): the word-internal bigram interpolated with the character's frequency."""
        unigram = self._uni[c] / self._total + self._floor
        after = self._following[b]
        if not after:
            return unigram
        return 0.6 * self._bi[b + c] / after + 0.4 * unigram
