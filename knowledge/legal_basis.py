"""Guides first, statutes as the legal basis: which retrieved passage answers, and which article backs it.

When the index holds both farmer-friendly guides and statutes, a farmer's question is answered from the best
guide passage that is close to the top of the ranking. A statute article that agrees with that passage is cited
in one line: among the retrieved statute passages and the articles nearest to the chosen passage in the index,
the one whose stored vector is closest to the passage's, when that cosine reaches `min_cosine` and the article
shares at least `min_shared` of its wording with the passage. A question that asks for the law itself
("法律怎么规定的", "哪条法律", "what does the law say") is answered from the best statute passage instead.
The thresholds were measured with `python -m knowledge.eval.statutes` (see knowledge/eval/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from core.lang import detect_lang
from knowledge.articles import ARTICLE_REF, NUMERAL, article_tokens, parse_article
from knowledge.types import Chunk, Passage

if TYPE_CHECKING:
    from knowledge.index import KnowledgeIndex

# Words that ask for the law rather than for what to do. 合法/违法/非法/办法/方法… are not law names.
_ASKS_LAW = re.compile(
    rf"法律|法规|条例|司法解释|法条|条文|原文|哪一?条|第几条|第{NUMERAL}条|法律依据|依据是|依据什么|根据什么|什么依据|"
    r"《[^》]+》|(?<![办方做想说看没设无合违非])法(?:第|里|上|中|是怎么|怎么|咋|说|规定|有没有)|"
    r"(?:规定|办法|解释|细则)(?:第|里|中)|"
    r"\blaws?\b|\blegal basis\b|\blegally\b|\bregulations?\b|\bstatutes?\b|\bwhich article\b|\barticle \d",
    re.IGNORECASE,
)
_CJK_PAIR = re.compile(r"[\u4e00-\u9fff]{2,}")
_WORD = re.compile(r"[a-z]{3,}")


def asks_for_law(question: str) -> bool:
    """Whether the question asks what the law or a regulation says (not just what to do)."""
    return _ASKS_LAW.search(question) is not None


def shared_wording(answer_text: str, statute_text: str) -> float:
    """Share of the statute passage's word pairs (Chinese character bigrams, English words) found in the answer
    passage: how much of the article the guide passage restates."""
    wanted = _pairs(ARTICLE_REF.sub("", statute_text))
    if not wanted:
        return 0.0
    return len(wanted & _pairs(answer_text)) / len(wanted)


def _pairs(text: str) -> set[str]:
    lowered = text.lower()
    pairs = {run[i : i + 2] for run in _CJK_PAIR.findall(lowered) for i in range(len(run) - 1)}
    return pairs | set(_WORD.findall(lowered))


@dataclass(frozen=True)
class Choice:
    """The passage to answer from and, when one agrees with it, the statute passage to cite as its basis."""

    passage: Passage
    basis: Chunk | None = None


@dataclass(frozen=True)
class Citation:
    """A statute article named in an answer: the statute's title and the article ("第二十二条", 22)."""

    title: str
    article: str
    number: str


def article_in(locator: str) -> str | None:
    """The article a statute locator points at ("第三章 经营规则 · 第十七条" → "第十七条"), None without one."""
    found = ARTICLE_REF.findall(locator)
    if not found:
        return None
    number, sub = found[-1]
    return f"第{number}条之{sub}" if sub else f"第{number}条"


def citation(chunk: Chunk) -> Citation | None:
    """The title and article of a statute chunk (from its locator), None when the locator names no article."""
    article = article_in(chunk.locator)
    number = parse_article(article) if article else None
    if article is None or number is None:
        return None
    return Citation(chunk.doc.title.strip().strip("《》"), article, number.english())


class StatuteNeighbours:
    """Cosine similarities between indexed passages, and the statute articles nearest to a passage.

    Uses the passage vectors already stored in the index (no embedding at question time); `index` returns the
    retriever's loaded index."""

    def __init__(self, index: Callable[[], KnowledgeIndex]) -> None:
        self._index = index
        self._cached: tuple[KnowledgeIndex, npt.NDArray[np.int64]] | None = None

    def similarity(self, a: Chunk, b: Chunk) -> float | None:
        """Cosine of two indexed chunks' vectors, None when either is not in the index."""
        index = self._index()
        if not (_indexed(index, a) and _indexed(index, b)):
            return None
        return float(index.vectors[a.chunk_id] @ index.vectors[b.chunk_id])

    def nearest(self, chunk: Chunk, n: int = 3) -> list[Chunk]:
        """The n statute chunks whose vectors are closest to this chunk's, best first."""
        index = self._index()
        if not _indexed(index, chunk):
            return []
        rows = self._statute_rows(index)
        if not len(rows):
            return []
        sims = index.vectors[rows] @ index.vectors[chunk.chunk_id]
        order = np.argsort(-sims)[:n]
        return [index.chunks[int(rows[i])] for i in order]

    def _statute_rows(self, index: KnowledgeIndex) -> npt.NDArray[np.int64]:
        if self._cached is None or self._cached[0] is not index:
            rows = np.array([i for i, c in enumerate(index.chunks) if c.doc.is_statute], dtype=np.int64)
            self._cached = (index, rows)
        return self._cached[1]


def _indexed(index: KnowledgeIndex, chunk: Chunk) -> bool:
    """Whether the chunk is the one stored at its id in this index (chunks from elsewhere have no vector here)."""
    return 0 <= chunk.chunk_id < len(index.chunks) and index.chunks[chunk.chunk_id].text == chunk.text


class LegalBasisSelector:
    """Chooses between guide and statute passages (see the module docstring); collaborator of AnswerComposer."""

    def __init__(
        self,
        neighbours: StatuteNeighbours | None = None,
        *,
        guide_margin: float = 1.0,
        law_margin: float = 1.0,
        min_cosine: float = 0.92,
        min_shared: float = 0.15,
    ) -> None:
        """`neighbours` measures how close a statute article is to the chosen passage (without it no legal-basis
        line is added). `guide_margin`: how far (fused-score units) below the top passage a guide may be and still
        answer first; `law_margin`: the same for the statute passage answering a question that asks for the law.
        `min_cosine` and `min_shared`: when a statute article agrees with the chosen guide passage."""
        self._neighbours = neighbours
        self._guide_margin = guide_margin
        self._law_margin = law_margin
        self._min_cosine = min_cosine
        self._min_shared = min_shared

    def describe(self) -> dict[str, float]:
        """The thresholds in use (for evaluation reports)."""
        return {
            "guide_margin": self._guide_margin,
            "law_margin": self._law_margin,
            "basis_min_cosine": self._min_cosine,
            "basis_min_shared": self._min_shared,
        }

    def choose(self, question: str, passages: Sequence[Passage], pick: Callable[[list[Passage]], Passage]) -> Choice:
        """The passage to answer from (`pick` chooses among candidates as the composer always does) and its basis.

        Without statutes in the index this is exactly `pick(passages)`. `passages` must not be empty."""
        ranked = list(passages)
        if not ranked:
            raise ValueError("choose needs at least one passage")
        statutes = [p for p in ranked if p.chunk.doc.is_statute]
        top = ranked[0].score
        if statutes and asks_for_law(question) and statutes[0].score >= top - self._law_margin:
            return Choice(statutes[0])
        guides = [p for p in ranked if not p.chunk.doc.is_statute]
        if not guides or guides[0].score < top - self._guide_margin:
            return Choice(pick(ranked))
        best = pick(guides)
        return Choice(best, self.agreeing_statute(best.chunk, [p.chunk for p in statutes]))

    def agreeing_statute(self, chosen: Chunk, retrieved: Sequence[Chunk] = ()) -> Chunk | None:
        """The statute article (among `retrieved` and the nearest to `chosen`) that agrees with the chosen passage
        most closely, None when none reaches both thresholds."""
        if self._neighbours is None:
            return None
        found: tuple[float, Chunk] | None = None
        for candidate in [*retrieved, *self._neighbours.nearest(chosen)]:
            cosine = self._neighbours.similarity(chosen, candidate)
            if cosine is None or cosine < self._min_cosine or citation(candidate) is None:
                continue
            if shared_wording(chosen.text, candidate.text) < self._min_shared:
                continue
            if found is None or cosine > found[0]:
                found = (cosine, candidate)
        return found[1] if found else None


class LawBoost:
    """Retrieval bonuses for questions that ask for the law: every statute article gains `law_bonus`, and an
    article the question names by number ("第五条", "Article 5") gains `article_bonus` more.

    An article in the question's language whose BM25 score is below `min_word_share` of the best guide section's
    gets neither: it does not share the question's subject words ("小额信贷的法律依据是什么" when no indexed statute
    mentions 小额信贷), and lifting it would answer the question from an unrelated article. Questions in another
    language than the article (English about a Chinese statute) share no words with it and are not held back.
    All values are in the retriever's units (z-scores; a share of BM25 scores), measured with
    `python -m knowledge.eval.statutes`."""

    def __init__(self, *, law_bonus: float, article_bonus: float, min_word_share: float = 0.0) -> None:
        self._law_bonus = law_bonus
        self._article_bonus = article_bonus
        self._min_word_share = min_word_share
        self._cached: tuple[Sequence[Chunk], npt.NDArray[np.float32], list[str | None], npt.NDArray[np.str_]] | None = (
            None
        )

    def describe(self) -> dict[str, float]:
        """The bonuses in use (for evaluation reports)."""
        return {
            "law_bonus": self._law_bonus,
            "article_bonus": self._article_bonus,
            "law_min_word_share": self._min_word_share,
        }

    def scores(
        self, chunks: Sequence[Chunk], question: str, lexical: npt.NDArray[np.float32] | None = None
    ) -> npt.NDArray[np.float32] | None:
        """Per-chunk bonus for this question, None when it does not ask for the law (or no statute is indexed).

        `lexical`: the question's BM25 score for every chunk (no word check without it)."""
        if not (self._law_bonus or self._article_bonus) or not asks_for_law(question):
            return None
        statutes, articles, langs = self._statute_articles(chunks)
        if not statutes.any():
            return None
        bonus = self._law_bonus * statutes
        named = set(article_tokens(question))
        if named and self._article_bonus:
            bonus = bonus + self._article_bonus * np.array([a in named for a in articles], dtype=np.float32)
        lang = detect_lang(question)
        guides = statutes == 0
        if self._min_word_share and lexical is not None and lang is not None and guides.any():
            weak = (statutes == 1) & (langs == lang) & (lexical < self._min_word_share * float(lexical[guides].max()))
            bonus = np.where(weak, 0.0, bonus)
        return bonus.astype(np.float32)

    def _statute_articles(
        self, chunks: Sequence[Chunk]
    ) -> tuple[npt.NDArray[np.float32], list[str | None], npt.NDArray[np.str_]]:
        """1 for statute chunks, each statute chunk's article as a search token ("§5") and each chunk's language,
        cached per index."""
        if self._cached is None or self._cached[0] is not chunks:
            mask = np.array([c.doc.is_statute for c in chunks], dtype=np.float32)
            articles = [_article_token(c.locator) if c.doc.is_statute else None for c in chunks]
            langs = np.array([c.doc.lang for c in chunks])
            self._cached = (chunks, mask, articles, langs)
        return self._cached[1], self._cached[2], self._cached[3]


def _article_token(locator: str) -> str | None:
    article = article_in(locator)
    tokens = article_tokens(article) if article else []
    return tokens[0] if tokens else None
