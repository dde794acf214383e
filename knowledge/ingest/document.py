"""What readers hand to the builder: parsed documents, timed sections and per-file load results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from knowledge.types import DocumentMeta


class TimedSection(NamedTuple):
    """A section that starts at a point in a video or recording (locator like "▶ 02:13")."""

    locator: str
    text: str
    start_seconds: float


class AskedSection(NamedTuple):
    """A section with the ways farmers ask about it: indexed for retrieval, never shown in an answer."""

    locator: str
    text: str
    asks: tuple[str, ...]


Section = tuple[str, str] | TimedSection | AskedSection


@dataclass(frozen=True)
class ParsedDocument:
    """A document read from disk: metadata, (locator, text) sections, where it came from and its hash.

    `starts` holds each section's start second (video and subtitle documents) and is empty otherwise;
    `asks` holds each section's farmer questions (Markdown `<!-- asks -->` blocks) and is empty otherwise.
    """

    meta: DocumentMeta
    sections: list[tuple[str, str]]
    source: str
    sha256: str
    starts: tuple[float | None, ...] = ()
    asks: tuple[tuple[str, ...], ...] = ()

    def start_of(self, index: int) -> float | None:
        """Start second of section `index`, None when the document has no timing."""
        return self.starts[index] if index < len(self.starts) else None

    def asks_of(self, index: int) -> tuple[str, ...]:
        """The ways farmers ask about section `index`; () when the document lists none."""
        return self.asks[index] if index < len(self.asks) else ()

    @property
    def label(self) -> str:
        """Short name for messages: the file name, with `#id` for catalogue entries."""
        return self.source.replace("\\", "/").rsplit("/", 1)[-1]


def split_sections(sections: list[Section]) -> tuple[list[tuple[str, str]], tuple[float | None, ...]]:
    """Separate plain (locator, text) pairs from start times; start times are () when no section is timed."""
    pairs = [(s[0], s[1]) for s in sections]
    starts = tuple(s.start_seconds if isinstance(s, TimedSection) else None for s in sections)
    return pairs, starts if any(t is not None for t in starts) else ()


def section_asks(sections: list[Section]) -> tuple[tuple[str, ...], ...]:
    """Each section's farmer questions in order; () when no section has any."""
    asks = tuple(s.asks if isinstance(s, AskedSection) else () for s in sections)
    return asks if any(asks) else ()


@dataclass
class LoadResult:
    """Documents read from one file (a catalogue yields several) and problems with single entries."""

    documents: list[ParsedDocument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
