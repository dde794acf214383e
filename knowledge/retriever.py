"""Hybrid retrieval: candidates from FAISS (dense) and BM25, their scores z-normalised and mixed."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.lang import Lang
from knowledge import dense_search
from knowledge.answer_kind import AnswerKind, asked_kind
from knowledge.dense_search import DenseSearchSettings
from knowledge.index import KnowledgeIndex
from knowledge.legal_basis import LawBoost
from knowledge.normalize import normalize_query
from knowledge.scope import NEIGHBOUR_TERMS
from knowledge.spelling import DomainSpeller
from knowledge.tokenize import bm25_tokens, tokenize
from knowledge.types import Embedder, Passage

MODES = ("hybrid", "dense", "bm25")
# A follow-up is ranked by its own scores, plus PREVIOUS_DOC_BONUS (z units) for the chunks of the document that
# answered the previous turn, plus CONTEXT_WEIGHT times its scores read together with the previous question. Session 6,
# blind dev two-turn dialogues (13) and knowledge/eval/followups.yaml (38 sections): the old mix (context 1.0 + own
# 0.3, no document prior) resolved 0.615 / 0.842; own + document bonus 0.5 / 1.0 / 1.5 with no context text 0.769 /
# 0.921 each (context 0.15–0.5 beside them: 0.692 / 0.921). The previous question's words dominated the context text
# and pulled its own section back to the top ("那利息谁出" after "最多能贷多少" answered the amount again).
PREVIOUS_DOC_BONUS = 1.0
CONTEXT_WEIGHT = 0.0
# A follow-up that names another topic than the question before it ("贷款要抵押吗" → "那保险呢") switches topic: the
# context text still leans to the old topic, so chunks of the new one gain this much (z units).
# 1.0 → 2.0 (session 5): with the longer lists of ways to ask, the previous question's section out-scored the new
# topic's by more than 1 ("那保险呢" after a loan question got the loan answer); blind dev figures unchanged.
TOPIC_SWITCH_BONUS = 2.0
# Candidates per retriever and query: the k nearest chunk vectors, the owners of the k nearest ask vectors, the k
# best BM25 scores. On the golden set the fused top 5 comes from far inside these lists (see knowledge/README.md).
CANDIDATES = 100
# The z-statistics of dense scores come from this many evenly spaced chunks (every chunk of a smaller index).
STATS_SAMPLE = 4096


@dataclass(frozen=True)
class _Scores:
    """Scores of one query for the candidate chunks `ids`: cosine, best ask cosine, the dense score used, BM25,
    and their fused mix (all aligned with `ids`)."""

    ids: npt.NDArray[np.int64]
    dense: npt.NDArray[np.float32]
    asked: npt.NDArray[np.float32]
    matched: npt.NDArray[np.float32]
    lexical: npt.NDArray[np.float32]
    fused: npt.NDArray[np.float32]
    has_tokens: bool


@dataclass(frozen=True)
class _Query:
    """One query text made searchable: its vector (None outside dense modes) and BM25 scores of every chunk."""

    text: str
    vector: npt.NDArray[np.float32] | None
    lexical: npt.NDArray[np.float32] | None


class HybridRetriever:
    """Searches a built index; loads the index and the model lazily (`warm_up`).

    Candidates are the `candidates` nearest chunk vectors and ask vectors (FAISS: exact up to
    `dense_settings.exact_limit` chunks, approximate above; knowledge/dense_search.py) and the `candidates` best
    BM25 scores. Each candidate is scored exactly by both; the scores are z-normalised per query against the
    whole index (so cosine similarities and BM25 scores share a scale) and mixed with `dense_weight`. Measured
    on the golden dev split this beat reciprocal-rank fusion (fused Recall@1 0.826 vs 0.807 at its best k): RRF
    throws away how far ahead the best section is. Chunks in the farmer's language get `lang_bonus`, chunks of
    another region lose `foreign_region_penalty` (both in z units).

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
        context_weight: float = CONTEXT_WEIGHT,
        previous_doc_bonus: float = PREVIOUS_DOC_BONUS,
        law_bonus: float = 3.0,
        article_bonus: float = 1.0,
        law_min_word_share: float = 0.4,
        dense_settings: DenseSearchSettings | None = None,
        candidates: int = CANDIDATES,
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
        self._context_weight = context_weight
        self._previous_doc_bonus = previous_doc_bonus
        self._speller: DomainSpeller | None = None
        self._law = LawBoost(law_bonus=law_bonus, article_bonus=article_bonus, min_word_share=law_min_word_share)
        self._index: KnowledgeIndex | None = None
        self._lock = threading.Lock()
        self._dense_settings = dense_settings or DenseSearchSettings()
        self._candidates_k = candidates
        self._dense_view: _DenseView | None = None
        self._kind_cache: dict[int, AnswerKind | None] = {}
        self._kinds_of: KnowledgeIndex | None = None

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
            "context_weight": self._context_weight,
            "previous_doc_bonus": self._previous_doc_bonus,
            "candidates": self._candidates_k,
            "dense_search": self._dense_settings.describe(),
            **self._law.describe(),
        }

    @property
    def index(self) -> KnowledgeIndex:
        """The loaded index (loaded on first access)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = KnowledgeIndex.load(self._index_dir, mmap=True)
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
        previous_doc: str | None = None,
    ) -> list[Passage]:
        """Return the k best passages; mode is "hybrid", "dense" or "bm25".

        `context`: for a follow-up, the text it leans on (the previous question followed by this one). Each chunk
        then scores its fused score for the follow-up alone plus `context_weight` times its score for the context;
        the cosine and BM25 scores it reports (which the answer's confidence floor reads) are the higher of the two.
        `previous_doc`: for a follow-up, the document that answered the previous turn; its chunks gain
        `previous_doc_bonus`, so "那要几年还清" after a question about the amount stays with the same programme
        while its own words pick the section. `topics`: the topics a follow-up switches to ("那保险呢" after a loan
        question); their chunks gain TOPIC_SWITCH_BONUS, and the previous document none."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        index = self.index
        query = self.correct_spelling(normalize_query(query))
        if not index.chunks or not query or k <= 0:
            return []
        asked = [self._prepare(index, query, mode)]
        if context:
            asked.append(self._prepare(index, self.correct_spelling(normalize_query(context)), mode))
        ids = self._candidates(index, asked, max(k, self._candidates_k))
        scores = self._scores(index, ids, asked[0], mode)
        if context:
            with_context = self._scores(index, ids, asked[1], mode)
            scores = _Scores(
                ids=ids,
                dense=np.maximum(scores.dense, with_context.dense),
                asked=np.maximum(scores.asked, with_context.asked),
                matched=np.maximum(scores.matched, with_context.matched),
                lexical=np.maximum(scores.lexical, with_context.lexical),
                fused=scores.fused + self._context_weight * with_context.fused,
                has_tokens=scores.has_tokens or with_context.has_tokens,
            )
        fused = scores.fused + self._adjustments(index, ids, lang, region)
        if previous_doc is not None and not topics and self._previous_doc_bonus:
            same = [index.chunks[i].doc.doc_id == previous_doc for i in ids]
            fused += self._previous_doc_bonus * np.array(same, dtype=np.float32)
        if topics:
            fused += TOPIC_SWITCH_BONUS * np.array([index.chunks[i].doc.topic in topics for i in ids], dtype=np.float32)
        kind = asked_kind(query) if mode == "hybrid" and self._kind_bonus else None
        if kind is not None:
            fused += self._kind_bonus * self._heading_kinds(index, ids, kind)
        lexical_all = _merged_lexical(asked, len(index.chunks))
        if mode == "hybrid":
            law = self._law.scores(index.chunks, query, lexical_all)
            if law is not None:
                fused += law[ids]
        order = _top(fused, k)
        return [
            Passage(
                chunk=index.chunks[int(ids[j])],
                score=float(fused[j]),
                rank=r,
                ranks=_ranks_of(
                    j,
                    scores.matched if mode != "bm25" else None,
                    lexical_all if scores.has_tokens else None,
                    int(ids[j]),
                ),
                dense_score=float(scores.dense[j]),
                bm25_score=float(scores.lexical[j]),
                ask_score=float(scores.asked[j]),
            )
            for r, j in enumerate(order, start=1)
        ]

    def _prepare(self, index: KnowledgeIndex, query: str, mode: str) -> _Query:
        """Embed the query (dense modes) and score every chunk by BM25 (hybrid and bm25 modes, when it has words)."""
        vector = None
        if mode in ("hybrid", "dense"):
            # Pinyin-spelt terms help the meaning-based search only: as BM25 tokens they would pull an English
            # question towards the Chinese documents, where those words stand far more often.
            terms = self.pinyin_terms(query)
            dense_query = f"{query} {' '.join(terms)}" if terms else query
            vector = np.asarray(self._embedder.embed_queries([dense_query]), dtype=np.float32)[0]
        tokens = bm25_tokens(query) if mode in ("hybrid", "bm25") else []
        lexical = None
        if tokens:
            lexical = np.asarray(index.bm25.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]
        return _Query(query, vector, lexical)

    def _candidates(self, index: KnowledgeIndex, queries: list[_Query], k: int) -> npt.NDArray[np.int64]:
        """Chunk ids worth scoring: for each query the k nearest chunk vectors and the owners of the k nearest ask
        vectors (FAISS), and the k best BM25 scores; sorted. With none of these (no words and no dense mode), the
        first k chunks."""
        found: list[npt.NDArray[np.int64]] = []
        view = self._view(index)
        for query in queries:
            if query.vector is not None:
                found.append(dense_search.search(index.dense, query.vector, k)[0])
                if self._ask_offset is not None and view.ask_index is not None:
                    rows = dense_search.search(view.ask_index, query.vector, k)[0]
                    found.append(view.ask_owner_of[rows])
            if query.lexical is not None:
                found.append(_top_ids(query.lexical, k))
        if not found:
            return np.arange(min(k, len(index.chunks)), dtype=np.int64)
        return np.unique(np.concatenate(found))

    def _scores(self, index: KnowledgeIndex, ids: npt.NDArray[np.int64], query: _Query, mode: str) -> _Scores:
        """Dense, ask, BM25 and fused (z-score mix) scores of the candidates `ids` for one query.

        The z-scores are taken against the whole index, as if every chunk had been scored: BM25's mean and spread
        from its scores of every chunk, the dense score's from a fixed sample of chunks (every chunk of an index
        up to STATS_SAMPLE chunks, so there the scores equal an exhaustive search's)."""
        count = len(ids)
        dense = np.zeros(count, dtype=np.float32)
        asked = np.full(count, -1.0, dtype=np.float32)
        matched = dense
        dense_z = np.zeros(count, dtype=np.float32)
        if query.vector is not None:
            view = self._view(index)
            dense, asked, matched = self._dense_scores(index, view, ids, query.vector)
            sample = view.sample
            _, _, sample_matched = self._dense_scores(index, view, sample, query.vector)
            dense_z = _zscores_against(matched, sample_matched)
        lexical = np.zeros(count, dtype=np.float32)
        lexical_z = np.zeros(count, dtype=np.float32)
        if query.lexical is not None:
            lexical = query.lexical[ids]
            lexical_z = _zscores_against(lexical, query.lexical)
        weight = {"hybrid": self._dense_weight, "dense": 1.0, "bm25": 0.0}[mode]
        fused = (weight * dense_z + (1.0 - weight) * lexical_z).astype(np.float32)
        return _Scores(ids, dense, asked, matched, lexical, fused, query.lexical is not None)

    def _dense_scores(
        self, index: KnowledgeIndex, view: _DenseView, ids: npt.NDArray[np.int64], vector: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Exact cosine, best ask cosine (-1 without asks) and the dense score used, for the chunks `ids`."""
        # A plain single-threaded product: on this shared 2-core host a two-thread BLAS call over a
        # 10,000 × 384 matrix took 12 ms at the median under load (1-thread loop: 2 ms).
        dense = np.einsum("ij,j->i", np.asarray(index.vectors[ids], dtype=np.float32), vector).astype(np.float32)
        asked = np.full(len(ids), -1.0, dtype=np.float32)
        if self._ask_offset is None or view.ask_index is None:
            return dense, asked, dense
        begin, end = view.ask_begin[ids], view.ask_end[ids]
        owners = np.flatnonzero(end > begin)
        if len(owners):
            counts = (end - begin)[owners]
            rows = np.repeat(begin[owners] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
            sims = np.einsum("ij,j->i", index.ask_vectors[rows], vector)
            asked[owners] = np.maximum.reduceat(sims, np.cumsum(counts) - counts)
        return dense, asked, np.maximum(dense, asked + self._ask_offset).astype(np.float32)

    def _view(self, index: KnowledgeIndex) -> _DenseView:
        """The search helpers of the loaded index (ask index, ask rows per chunk, z-statistics sample), made once."""
        if self._dense_view is None or self._dense_view.index is not index:
            with self._lock:
                if self._dense_view is None or self._dense_view.index is not index:
                    self._dense_view = _DenseView.of(index, self._dense_settings)
        return self._dense_view

    def _adjustments(
        self, index: KnowledgeIndex, ids: npt.NDArray[np.int64], lang: Lang | None, region: str | None
    ) -> npt.NDArray[np.float32]:
        """Additive bonus of each candidate for the farmer's language and region."""
        bonus = np.zeros(len(ids), dtype=np.float32)
        if not lang and not region:
            return bonus
        for j, i in enumerate(ids):
            doc = index.chunks[i].doc
            if lang and doc.lang == lang:
                bonus[j] += self._lang_bonus
            if region and doc.region != "national":
                bonus[j] += self._home_bonus if doc.region == region else -self._region_penalty
        return bonus

    def _heading_kinds(
        self, index: KnowledgeIndex, ids: npt.NDArray[np.int64], kind: AnswerKind
    ) -> npt.NDArray[np.float32]:
        """1 for candidates whose heading is itself a question asking for `kind` ("最多能贷多少钱"), else 0."""
        if self._kinds_of is not index:
            self._kind_cache.clear()
            self._kinds_of = index
        kinds = []
        for i in ids:
            key = int(i)
            if key not in self._kind_cache:
                self._kind_cache[key] = asked_kind(index.chunks[key].locator)
            kinds.append(self._kind_cache[key] == kind)
        return np.array(kinds, dtype=np.float32)


@dataclass(frozen=True)
class _DenseView:
    """What searching a loaded index needs besides the index: a FAISS index of the ask vectors with each
    row's owner chunk, each chunk's range of ask rows, and the chunks whose scores give the z-statistics."""

    index: KnowledgeIndex
    ask_index: Any
    ask_owner_of: npt.NDArray[np.int64]
    ask_begin: npt.NDArray[np.int64]
    ask_end: npt.NDArray[np.int64]
    sample: npt.NDArray[np.int64]

    @classmethod
    def of(cls, index: KnowledgeIndex, settings: DenseSearchSettings) -> _DenseView:
        """Set the loaded FAISS index's search parameters and make the ask index and the statistics sample."""
        dense_search.configure(index.dense, settings)
        dense_search.use_threads(settings.search_threads)
        count = len(index.chunks)
        begin = np.zeros(count, dtype=np.int64)
        end = np.zeros(count, dtype=np.int64)
        sizes = np.array([len(c.asks) for c in index.chunks], dtype=np.int64)
        if count:
            end = np.cumsum(sizes)
            begin = end - sizes
        owner_of = np.repeat(np.arange(count, dtype=np.int64), sizes)
        ask_index = None
        if len(index.ask_vectors):
            # The ways farmers ask are written by hand, a few per section: built at load, exact up to the limit.
            ask_index = dense_search.dense_index_for(np.asarray(index.ask_vectors, dtype=np.float32), settings)
        sample = np.arange(count, dtype=np.int64)
        if count > STATS_SAMPLE:
            sample = np.unique(np.linspace(0, count - 1, STATS_SAMPLE).astype(np.int64))
        return cls(index, ask_index, owner_of, begin, end, sample)


def _vocabulary_texts(index: KnowledgeIndex) -> list[str]:
    """The Chinese texts the domain vocabulary comes from: titles, headings, the ways farmers ask, section text."""
    texts: list[str] = []
    for chunk in index.chunks:
        if chunk.doc.lang == "zh":
            texts.extend((chunk.doc.title, chunk.locator, chunk.text, *chunk.asks))
    return texts


def _merged_lexical(queries: list[_Query], count: int) -> npt.NDArray[np.float32]:
    """Every chunk's BM25 score: the higher of the queries' (zeros when none has words)."""
    scored = [q.lexical for q in queries if q.lexical is not None]
    if not scored:
        return np.zeros(count, dtype=np.float32)
    return scored[0] if len(scored) == 1 else np.maximum(scored[0], scored[1])


def _zscores_against(scores: npt.NDArray[np.float32], population: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """`scores` centred on the population's mean and divided by its spread; all zeros when it does not vary."""
    spread = float(population.std())
    if spread < 1e-9:
        return np.zeros_like(scores)
    return ((scores - population.mean()) / spread).astype(np.float32)


def _top(scores: npt.NDArray[np.float32], k: int) -> list[int]:
    """Positions of the k highest scores, best first (ties in position order)."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in part[np.lexsort((part, -scores[part]))]]


def _top_ids(scores: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
    """Ids of the k highest positive scores (BM25 candidates: a chunk sharing no word with the query is none)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[scores[part] > 0].astype(np.int64)


def _ranks_of(
    j: int, dense: npt.NDArray[np.float32] | None, lexical: npt.NDArray[np.float32] | None, chunk: int
) -> dict[str, int]:
    """1-based ranks of a result under each retriever that found it: dense among the candidates (the dense
    candidates hold every chunk that scores higher), BM25 among every chunk sharing a token.

    Counting higher scores is linear; a full sort of a 10,000-chunk index cost ~5 ms per retriever."""
    ranks: dict[str, int] = {}
    if dense is not None:
        ranks["dense"] = int(np.count_nonzero(dense > dense[j])) + 1
    if lexical is not None and lexical[chunk] > 0:
        ranks["bm25"] = int(np.count_nonzero(lexical > lexical[chunk])) + 1
    return ranks


class IndexSpeller:
    """The same-sound speller over an index's own vocabulary, on its own (no embedding model): for a process that
    corrects text, e.g. voice transcripts, without searching. Loads the index on first use."""

    def __init__(self, index_dir: Path) -> None:
        self._index_dir = index_dir
        self._speller: DomainSpeller | None = None
        self._lock = threading.Lock()

    def __call__(self, text: str) -> str:
        """`text` with same-sound slips fixed (see knowledge/spelling.py)."""
        if self._speller is None:
            with self._lock:
                if self._speller is None:
                    index = KnowledgeIndex.load(self._index_dir, mmap=True)
                    self._speller = DomainSpeller.from_texts(_vocabulary_texts(index), known=NEIGHBOUR_TERMS)
        return self._speller.correct(text)
