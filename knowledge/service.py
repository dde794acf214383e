"""The knowledge service actions and the bot's fallback call: question in, short sourced answer out."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from core.lang import Lang
from knowledge.answer import AnswerComposer
from knowledge.answer_types import Answer
from knowledge.followup import is_follow_up, topic_switch, with_context
from knowledge.legal_basis import LegalBasisSelector, StatuteNeighbours
from knowledge.normalize import normalize_query
from knowledge.retriever import HybridRetriever
from knowledge.types import Embedder

log = logging.getLogger(__name__)
# Threads for embedding one short query: measured on this 2-core host (see knowledge/eval/REPORT.md).
DEFAULT_QUERY_THREADS = 1
# Previous questions whose answering document is remembered (a follow-up usually comes right after its question).
PREVIOUS_DOCS_REMEMBERED = 256


class KnowledgeService:
    """Retrieves passages for a question and composes the answer."""

    def __init__(self, retriever: HybridRetriever, composer: AnswerComposer, *, k: int = 5) -> None:
        self._retriever = retriever
        self._composer = composer
        self._k = k
        self._previous_docs: OrderedDict[tuple[str, Lang, str | None], str | None] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def retriever(self) -> HybridRetriever:
        """The retriever this service searches with."""
        return self._retriever

    def warm_up(self) -> None:
        """Load the index and the embedding model now."""
        self._retriever.warm_up()

    def describe(self) -> dict[str, Any]:
        """The retrieval and answer settings in use (for evaluation reports)."""
        return {"k": self._k, "retriever": self._retriever.describe(), "composer": self._composer.describe()}

    def answer(
        self,
        question: str,
        *,
        lang: Lang,
        topic: str | None = None,
        region: str | None = None,
        previous: str | None = None,
    ) -> Answer:
        """Return a short sourced answer, or `confident=False` when nothing in the corpus fits.

        `previous`: the farmer's previous question in this conversation. A follow-up ("那要多久还？") is ranked by its
        own words within the document that answered the previous question (that document's sections gain a bonus),
        unless it names another topic ("那保险呢"); its confidence is read together with the previous question, and
        the kind of value asked for still comes from the follow-up itself."""
        query, context = question, None
        switched: tuple[str, ...] = ()
        previous_doc = None
        if previous and previous.strip() and is_follow_up(question, lang):
            query = context = with_context(previous, question)
            switched = topic_switch(previous, question)
            if not switched:
                previous_doc = self._answered_by(previous.strip(), lang, region)
        passages = self._retriever.search(
            question, self._k, lang=lang, region=region, context=context, topics=switched, previous_doc=previous_doc
        )
        read = self._retriever.correct_spelling(normalize_query(query))
        answer = self._composer.compose(read, passages, lang, focus=question)
        log.debug("answer confident=%s top=%s", answer.confident, passages[0].doc_id if passages else None)
        return answer

    def _answered_by(self, previous: str, lang: Lang, region: str | None) -> str | None:
        """The document whose section comes first for the previous question (remembered for a few questions)."""
        key = (previous, lang, region)
        with self._lock:
            if key in self._previous_docs:
                self._previous_docs.move_to_end(key)
                return self._previous_docs[key]
        found = self._retriever.search(previous, 1, lang=lang, region=region)
        doc = found[0].doc_id if found else None
        with self._lock:
            self._previous_docs[key] = doc
            while len(self._previous_docs) > PREVIOUS_DOCS_REMEMBERED:
                self._previous_docs.popitem(last=False)
        return doc


def knowledge_service_for(index_dir: Path, embedder: Embedder) -> KnowledgeService:
    """The production retriever and composer settings over `index_dir` with the given embedder."""
    retriever = HybridRetriever(index_dir, embedder)
    legal = LegalBasisSelector(StatuteNeighbours(lambda: retriever.index))
    return KnowledgeService(retriever, AnswerComposer(legal=legal))


def build_knowledge_service(index_dir: Path, embedding_model: str) -> KnowledgeService:
    """Wire the default service: sentence-transformers embedder, hybrid retriever, composer (all lazy)."""
    from knowledge.embedding.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(embedding_model, num_threads=DEFAULT_QUERY_THREADS)
    return knowledge_service_for(index_dir, embedder)
