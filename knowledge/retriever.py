"""Hybrid retrieval: dense (inner product) and BM25 scores over every chunk, z-normalised and mixed."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.lang import Lang
from knowledge.answer_kind import AnswerKind, asked_kind
from knowledge.index import KnowledgeIndex
from knowledge.legal_basis import LawBoost
from knowledge.normalize import normalize_query
from knowledge.scope import NEIGHBOUR_TERMS
from knowledge.spelling import DomainSpeller
from knowledge.tokenize import bm25_tokens, tokenize
from knowledge.types import Embedder, Passage

MODES = ("hybrid", "dense", "bm25")
# How much a follow-up's own scores count beside its scores read with the previous question. On the blind dev
# split's two-turn dialogues 1.0 / 0.7 / 0.5 resolved 0.615, 0.3 and 0.0 resolved 0.692: a follow-up names little
# of its own ("要带啥去"), and what it names is also in the context text.
FOLLOW_UP_WEIGHT = 0.3
# A follow-up that names another topic than the question before it ("贷款要抵押吗" → "那保险呢") switches topic: the
# context text still leans to the old topic, so chunks of the new one gain this much (z units).
TOPIC_SWITCH_BONUS = 1.0


@dataclass(frozen=True)
class _Scores:
    """Per-chunk scores of one query: cosine, best ask cosine, the dense score used, BM25, and their fused mix."""

    dense: npt.NDArray[np.float32]
    asked: npt.NDArray[np.float32]
    matched: npt.NDArray[np.float32]
    lexical: npt.NDArray[np.float32]
    fused: npt.NDArray[np.float32]
    has_tokens: bool


class HybridRetriever:
    """Searches a built index; loads the index and the model lazily (`warm_up`).

    Each retriever scores every chunk; the scores are z-normalised per query (so cosine similarities and
    BM25 scores share a scale) and mixed with `dense_weight`. Measured on the golden dev split this beat
    reciprocal-rank fusion (fused Recall@1 0.826 vs 0.807 at its best k): RRF throws away how far ahead
    the best section is. Chunks in the farmer's language get `lang_bonus`, chunks of another region
    lose `foreign_region_penalty` (both in z units).

    A chunk's dense score is the larger of its own cosine and, when its section lists the ways farmers ask
    about it, the best question-to-question cosine plus `ask_offset` (question pairs score higher than
    question-passage pairs, so the offset is negative; None ignores the ask vectors). Passage.dense_score
    stays the chunk's own cosine: the answer's confidence floor is measured on it. On the golden dev split
    the asks in BM25 raised fused Recall@1 from 0.826 to 0.884; the ask vectors at offsets -0.05 to -0.04
    added one more question (0.889) and dense-alone Recall@1 0.705 → 0.758 (offsets nearer 0 did worse).

    When the question asks for a kind of value (an amount, a time limit, a share, a hotline) and a section's
    heading is itself a question asking for the same kind ("最多能贷多少钱", "报案有多长时限"), that section
    gains `kind_bonus` (hybrid mode only). On the golden dev split, 0.3 raised fused Recall@1 0.894 → 0.913
    (0.2–0.8 all helped; 0.3 was best) and the key-fact rate 0.908 → 0.918.

    When the question asks for the law ("法律怎么规定的", "哪条法律", "what does the law say"), articles of
    statutes gain `law_bonus`, and the article it names by number `article_bonus` more, unless an article shares
    too few of the question's words (`law_min_word_share`; hybrid mode only; knowledge/legal_basis.py `LawBoost`,
    measured with `python -m knowledge.eval.statutes`).
    """

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        *,
        dense_weight: float = 0.7,
        lang_bonus: float = 0.3,
        foreign_region_penalty: float = 1.0,
        home_region_bonus: float = 0.3,
        ask_offset: float | None = -0.045,
        kind_bonus: float = 0.3,
        spelling: bool = True,
        follow_up_weight: float = FOLLOW_UP_WEIGHT,
        law_bonus: float = 3.0,
        article_bonus: float = 1.0,
        law_min_word_share: float = 0.4,
    ) -> None:
        if not 0.0 <= dense_weight <= 1.0:
            raise ValueError("dense_weight must be between 0 and 1")
        self._index_dir = index_dir
        self._embedder = embedder
        self._dense_weight = dense_weight
        self._lang_bonus = lang_bonus
        self._region_penalty = foreign_region_penalty
        self._home_bonus = home_region_bonus
        self._ask_offset = ask_offset
        self._kind_bonus = kind_bonus
        self._spelling = spelling
        self._follow_up_weight = follow_up_weight
        self._speller: DomainSpeller | None = None
        self._law = LawBoost(law_bonus=law_bonus, article_bonus=article_bonus, min_word_share=law_min_word_share)
        self._index: KnowledgeIndex | None = None
        self._lock = threading.Lock()
        self._bonus_cache: dict[tuple[str | None, str | None], npt.NDArray[np.float32]] = {}
        self._kind_cache: dict[AnswerKind, npt.NDArray[np.float32]] = {}

    def describe(self) -> dict[str, object]:
        """The fusion settings in use (for evaluation reports)."""
        return {
            "fusion": "z-score mix",
            "dense_weight": self._dense_weight,
            "lang_bonus": self._lang_bonus,
            "foreign_region_penalty": self._region_penalty,
            "home_region_bonus": self._home_bonus,
            "ask_offset": self._ask_offset,
            "kind_bonus": self._kind_bonus,
            "spelling": self._spelling,
            "follow_up_weight": self._follow_up_weight,
            **self._law.describe(),
        }

    @property
    def index(self) -> KnowledgeIndex:
        """The loaded index (loaded on first access)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = KnowledgeIndex.load(self._index_dir)
        return self._index

    def warm_up(self) -> None:
        """Load the index, the embedding model, the word segmenter and the domain speller now."""
        _ = self.index
        self._embedder.warm_up()
        tokenize("预热")
        self.correct_spelling("预热")

    def correct_spelling(self, query: str) -> str:
        """The query with same-sound slips fixed against the index's own vocabulary (see knowledge/spelling.py)."""
        if not self._spelling:
            return query
        if self._speller is None:
            index = self.index
            with self._lock:
                if self._speller is None:
                    self._speller = DomainSpeller.from_texts(_vocabulary_texts(index), known=NEIGHBOUR_TERMS)
        return self._speller.correct(query)

    def pinyin_terms(self, query: str) -> list[str]:
        """Chinese words the query spells in pinyin ("xiaoe xindai" → 小额, 信贷), for the meaning-based search."""
        if not self._spelling:
            return []
        self.correct_spelling("")
        assert self._speller is not None
        return self._speller.pinyin_terms(query)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        lang: Lang | None = None,
        region: str | None = None,
        mode: str = "hybrid",
        context: str | None = None,
        topics: tuple[str, ...] = (),
    ) -> list[Passage]:
        """Return the k best passages; mode is "hybrid", "dense" or "bm25".

        `context`: for a follow-up, the text it leans on (the previous question followed by this one). Each chunk
        then scores its fused score for the context plus `follow_up_weight` times its score for the follow-up alone,
        so "要带啥去" after "被骗了要去派出所报案吗" finds what to bring to the police, not to the bank.
        `topics`: the topics a follow-up switches to ("那保险呢" after a loan question); their chunks gain
        TOPIC_SWITCH_BONUS."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        index = self.index
        query = self.correct_spelling(normalize_query(query))
        if not index.chunks or not query or k <= 0:
            return []
        scores = self._scores(index, query, mode)
        fused = scores.fused
        if context:
            with_context = self._scores(index, self.correct_spelling(normalize_query(context)), mode)
            fused = self._follow_up_weight * fused + with_context.fused
            scores = _Scores(
                dense=np.maximum(scores.dense, with_context.dense),
                asked=np.maximum(scores.asked, with_context.asked),
                matched=np.maximum(scores.matched, with_context.matched),
                lexical=np.maximum(scores.lexical, with_context.lexical),
                fused=fused,
                has_tokens=scores.has_tokens or with_context.has_tokens,
            )
        fused = fused + self._adjustments(index, lang, region)
        if topics:
            fused += TOPIC_SWITCH_BONUS * np.array([c.doc.topic in topics for c in index.chunks], dtype=np.float32)
        kind = asked_kind(query) if mode == "hybrid" and self._kind_bonus else None
        if kind is not None:
            fused += self._kind_bonus * self._heading_kinds(index, kind)
        law = self._law.scores(index.chunks, query, scores.lexical) if mode == "hybrid" else None
        if law is not None:
            fused += law
        order = _top(fused, k)
        return [
            Passage(
                chunk=index.chunks[i],
                score=float(fused[i]),
                rank=r,
                ranks=_ranks_of(
                    i, scores.matched if mode != "bm25" else None, scores.lexical if scores.has_tokens else None
                ),
                dense_score=float(scores.dense[i]),
                bm25_score=float(scores.lexical[i]),
                ask_score=float(scores.asked[i]),
            )
            for r, i in enumerate(order, start=1)
        ]

    def _scores(self, index: KnowledgeIndex, query: str, mode: str) -> _Scores:
        """Dense, ask, BM25 and fused (z-score mix) scores of every chunk for one query."""
        count = len(index.chunks)
        dense = np.zeros(count, dtype=np.float32)
        asked = np.full(count, -1.0, dtype=np.float32)
        matched = dense
        if mode in ("hybrid", "dense"):
            # Pinyin-spelt terms help the meaning-based search only: as BM25 tokens they would pull an English
            # question towards the Chinese documents, where those words stand far more often.
            terms = self.pinyin_terms(query)
            dense_query = f"{query} {' '.join(terms)}" if terms else query
            vector = np.asarray(self._embedder.embed_queries([dense_query]), dtype=np.float32)[0]
            # A plain single-threaded product: on this shared 2-core host a two-thread BLAS call over a
            # 10,000 × 384 matrix took 12 ms at the median under load (1-thread loop: 2 ms).
            dense = np.einsum("ij,j->i", index.vectors, vector)
            matched = dense
            if self._ask_offset is not None and len(index.ask_vectors):
                sims = np.einsum("ij,j->i", index.ask_vectors, vector)
                asked[index.ask_owners] = np.maximum.reduceat(sims, index.ask_starts)
                matched = np.maximum(dense, asked + self._ask_offset)
        lexical = np.zeros(count, dtype=np.float32)
        tokens = bm25_tokens(query) if mode in ("hybrid", "bm25") else []
        if tokens:
            lexical = np.asarray(index.bm25.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]
        weight = {"hybrid": self._dense_weight, "dense": 1.0, "bm25": 0.0}[mode]
        fused = weight * _zscores(matched) + (1.0 - weight) * _zscores(lexical)
        return _Scores(dense, asked, matched, lexical, fused, bool(tokens))

    def _adjustments(self, index: KnowledgeIndex, lang: Lang | None, region: str | None) -> npt.NDArray[np.float32]:
        """Per-chunk additive bonus for the farmer's language and region (cached per language and region)."""
        cached = self._bonus_cache.get((lang, region))
        if cached is not None and len(cached) == len(index.chunks):
            return cached
        bonus = np.zeros(len(index.chunks), dtype=np.float32)
        for i, chunk in enumerate(index.chunks):
            doc = chunk.doc
            if lang and doc.lang == lang:
                bonus[i] += self._lang_bonus
            if region and doc.region != "national":
                bonus[i] += self._home_bonus if doc.region == region else -self._region_penalty
        self._bonus_cache[(lang, region)] = bonus
        return bonus

    def _heading_kinds(self, index: KnowledgeIndex, kind: AnswerKind) -> npt.NDArray[np.float32]:
        """1 for chunks whose heading is itself a question asking for `kind` ("最多能贷多少钱"), else 0."""
        cached = self._kind_cache.get(kind)
        if cached is None or len(cached) != len(index.chunks):
            cached = np.array([asked_kind(chunk.locator) == kind for chunk in index.chunks], dtype=np.float32)
            self._kind_cache[kind] = cached
        return cached


def _vocabulary_texts(index: KnowledgeIndex) -> list[str]:
    """The Chinese texts the domain vocabulary comes from: titles, headings, the ways farmers ask, section text."""
    texts: list[str] = []
    for chunk in index.chunks:
        if chunk.doc.lang == "zh":
            texts.extend((chunk.doc.title, chunk.locator, chunk.text, *chunk.asks))
    return texts


def _zscores(scores: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Scores centred on their mean and divided by their spread; all zeros when they do not vary."""
    spread = float(scores.std())
    if spread < 1e-9:
        return np.zeros_like(scores)
    return ((scores - scores.mean()) / spread).astype(np.float32)


def _top(scores: npt.NDArray[np.float32], k: int) -> list[int]:
    """Indices of the k highest scores, best first (partial sort: the index may hold many chunks)."""
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in part[np.argsort(-scores[part], kind="stable")]]


def _ranks_of(i: int, dense: npt.NDArray[np.float32] | None, lexical: npt.NDArray[np.float32] | None) -> dict[str, int]:
    """1-based rank of chunk i under each retriever that found it (BM25 only counts chunks sharing a token).

    Counting higher scores is linear; a full sort of a 10,000-chunk index cost ~5 ms per retriever."""
    ranks: dict[str, int] = {}
    if dense is not None:
        ranks["dense"] = int(np.count_nonzero(dense > dense[i])) + 1
    if lexical is not None and lexical[i] > 0:
        ranks["bm25"] = int(np.count_nonzero(lexical > lexical[i])) + 1
    return ranks
