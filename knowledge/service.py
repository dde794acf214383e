"""The knowledge service actions and the bot's fallback call: question in, short sourced answer out."""

from __future__ import annotations

import logging
from pathlib import Path

from knowledge.answer import AnswerComposer
from knowledge.answer_types import Answer
from knowledge.retriever import HybridRetriever
from knowledge.types import Lang

log = logging.getLogger(__name__)


class KnowledgeService:
    """Retrieves passages for a question and composes the answer."""

    def __init__(self, retriever: HybridRetriever, composer: AnswerComposer, *, k: int = 5) -> None:
        self._retriever = retriever
        self._composer = composer
        self._k = k

    def warm_up(self) -> None:
        """Load the index and the embedding model now."""
        self._retriever.warm_up()

    def answer(self, question: str, *, lang: Lang, topic: str | None = None, region: str | None = None) -> Answer:
        """Return a short sourced answer, or `confident=False` when nothing in the corpus fits."""
        passages = self._retriever.search(question, self._k, lang=lang, region=region)
        answer = self._composer.compose(question, passages, lang)
        log.debug("answer confident=%s top=%s", answer.confident, passages[0].doc_id if passages else None)
        return answer


def build_knowledge_service(index_dir: Path, embedding_model: str) -> KnowledgeService:
    """Wire the default service: sentence-transformers embedder, hybrid retriever, composer (all lazy)."""
    from knowledge.embedding.embedder import SentenceTransformerEmbedder

    retriever = HybridRetriever(index_dir, SentenceTransformerEmbedder(embedding_model))
    return KnowledgeService(retriever, AnswerComposer())
