"""Typed values that leave the knowledge package."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from core.intents import Topic
from core.lang import Lang

# A guide is written for farmers; a statute is a law, regulation or judicial interpretation, split by article.
Kind = Literal["guide", "statute"]


@dataclass(frozen=True)
class DocumentMeta:
    """Metadata of one knowledge document (from Markdown front-matter or a catalogue)."""

    doc_id: str
    title: str
    lang: Lang
    topic: Topic
    region: str = "national"
    effective_date: str = ""
    varies_locally: bool = False
    source_note: str = ""
    url: str | None = None
    kind: Kind = "guide"

    @property
    def is_statute(self) -> bool:
        """Whether the document is a law or regulation (its sections are articles)."""
        return self.kind == "statute"


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of a document with the locator that points back into it.

    `asks` are the ways farmers ask about the section: searched, never shown in an answer."""

    chunk_id: int
    doc: DocumentMeta
    locator: str
    text: str
    start_seconds: float | None = None
    asks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Passage:
    """One retrieval result: a chunk plus its fused score and the per-retriever ranks."""

    chunk: Chunk
    score: float
    rank: int
    ranks: dict[str, int] = field(default_factory=dict)
    dense_score: float = 0.0
    bm25_score: float = 0.0
    ask_score: float = 0.0

    @property
    def doc_id(self) -> str:
        """Document id of the chunk."""
        return self.chunk.doc.doc_id

    @property
    def title(self) -> str:
        """Document title of the chunk."""
        return self.chunk.doc.title

    @property
    def locator(self) -> str:
        """Section, article, page or timestamp of the chunk."""
        return self.chunk.locator

    @property
    def text(self) -> str:
        """Chunk text."""
        return self.chunk.text


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; queries and passages may be prompted differently."""

    @property
    def dimension(self) -> int:
        """Length of every vector this embedder returns."""
        ...

    @property
    def model_name(self) -> str:
        """Name or path of the model, recorded in the index manifest."""
        ...

    def warm_up(self) -> None:
        """Load the model now rather than on first use."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed search queries; returns an array of shape (len(texts), dimension)."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed passages to index; returns an array of shape (len(texts), dimension)."""
        ...
