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


Section = tuple[str, str] | TimedSection


@dataclass(frozen=True)
class ParsedDocument:
    """A document read from disk: metadata, (locator, text) sections, where it came from and its hash.

    `starts` holds each section's start second (video and subtitle documents) and is empty otherwise.
    """

    meta: DocumentMeta
    sections: list[tuple[str, str]]
    source: str
    sha256: str
    starts: tuple[float | None, ...] = ()

    def start_of(self, index: int) -> float | None:
        """Start second of section `index`, None when the document has no timing."""
        return self.starts[index] if index < len(self.starts) else None

    @property
    def label(self) -> str:
        """Short name for messages: the file name, with `#id` for catalogue entries."""
        return self.source.replace("\\", "/").rsplit("/", 1)[-1]


def split_sections(sections: list[Section]) -> tuple[list[tuple[str, str]], tuple[float | None, ...]]:
    """Separate plain (locator, text) pairs from start times; start times are () when no section is timed."""
    pairs = [(s[0], s[1]) for s in sections]
    starts = tuple(s.start_seconds if isinstance(s, TimedSection) else None for s in sections)
    return pairs, starts if any(t is not None for t in starts) else ()


@dataclass
class LoadResult:
    """Documents read from one file (a catalogue yields several) and problems with single entries."""

    documents: list[ParsedDocument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
