"""SRT and WebVTT subtitles: cues grouped into 20–40 s segments located by their start time."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.ingest.document import TimedSection
from knowledge.ingest.frontmatter import DocumentError, meta_from
from knowledge.ingest.textcodec import decode_text, join_lines
from knowledge.ingest.timestamps import format_timestamp
from knowledge.types import DocumentMeta

MIN_SEGMENT_SECONDS = 20.0
MAX_SEGMENT_SECONDS = 40.0
SUBTITLE_SUFFIXES = (".srt", ".vtt")
_TAG = re.compile(r"<[^>]*>")
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")
_SENTENCE_END = ("。", "！", "？", ".", "!", "?", "…", "”", '"')


@dataclass(frozen=True)
class Cue:
    """One subtitle cue: start and end in seconds and its plain text."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Segment:
    """Consecutive cues read together: the unit indexed for retrieval."""

    start: float
    end: float
    text: str

    def section(self) -> TimedSection:
        """This segment as a timed section located "▶ mm:ss"."""
        return TimedSection(f"▶ {format_timestamp(self.start)}", self.text, self.start)


def clean_cue_text(raw: str) -> str:
    """Drop markup (<i>, <v Speaker>, {\\an8}) and entities, and join the cue's lines."""
    text = html.unescape(_TAG.sub("", _ASS_OVERRIDE.sub("", raw)))
    return join_lines(text.splitlines())


def parse_srt(text: str, name: str) -> list[Cue]:
    """Cues of an SRT file, in time order; raises DocumentError naming the file when it is not SRT."""
    import srt

    try:
        subs = list(srt.parse(text.replace("\r\n", "\n")))
    except (srt.SRTParseError, ValueError) as err:
        raise DocumentError(f"{name}: not a valid SRT subtitle file ({err})") from err
    cues = [Cue(s.start.total_seconds(), s.end.total_seconds(), clean_cue_text(s.content)) for s in subs]
    return _usable(cues, name)


def parse_vtt(text: str, name: str) -> list[Cue]:
    """Cues of a WebVTT file, in time order; raises DocumentError naming the file when it is not WebVTT."""
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        captions = webvtt.from_string(text.replace("\r\n", "\n")).captions
    except MalformedFileError as err:
        raise DocumentError(f"{name}: not a valid WebVTT subtitle file ({err})") from err
    cues = [
        Cue(c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000, clean_cue_text(c.raw_text))
        for c in captions
    ]
    return _usable(cues, name)


def _usable(cues: list[Cue], name: str) -> list[Cue]:
    kept = sorted((c for c in cues if c.text), key=lambda c: c.start)
    if not kept:
        raise DocumentError(f"{name}: no subtitle text found")
    return kept


def group_cues(
    cues: list[Cue], min_seconds: float = MIN_SEGMENT_SECONDS, max_seconds: float = MAX_SEGMENT_SECONDS
) -> list[Segment]:
    """Group consecutive cues into segments of about min–max seconds, closing at sentence ends when possible."""
    groups: list[list[Cue]] = []
    current: list[Cue] = []
    for cue in cues:
        if current and cue.end - current[0].start > max_seconds:
            groups.append(current)
            current = []
        current.append(cue)
        if cue.end - current[0].start >= min_seconds and cue.text.endswith(_SENTENCE_END):
            groups.append(current)
            current = []
    if current:
        last_span = current[-1].end - current[0].start
        if groups and last_span < min_seconds / 2 and current[-1].end - groups[-1][0].start <= max_seconds * 1.25:
            groups[-1].extend(current)  # a short tail reads better with what came before it
        else:
            groups.append(current)
    return [Segment(g[0].start, g[-1].end, join_lines([c.text for c in g])) for g in groups]


def read_cues(path: Path) -> list[Cue]:
    """Decode (UTF-8 or GBK) and parse a .srt or .vtt file by its extension."""
    text = decode_text(path.read_bytes(), path.name)
    suffix = path.suffix.lower()
    if suffix == ".srt":
        return parse_srt(text, path.name)
    if suffix == ".vtt":
        return parse_vtt(text, path.name)
    raise DocumentError(f"{path.name}: subtitles must be .srt or .vtt")


def read_subtitles(path: Path) -> tuple[DocumentMeta, list[TimedSection]]:
    """Read a stand-alone subtitle file: one document whose sections are timed segments."""
    segments = group_cues(read_cues(path))
    meta = meta_from({}, path=path, body=" ".join(s.text for s in segments))
    return meta, [s.section() for s in segments]
