"""Video catalogue (catalogue.yaml): each video becomes a document whose chunks are timed subtitle segments."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from knowledge.ingest.document import LoadResult, ParsedDocument, split_sections
from knowledge.ingest.frontmatter import DocumentError, meta_from
from knowledge.ingest.subtitles import SUBTITLE_SUFFIXES, group_cues, read_cues
from knowledge.ingest.timestamps import format_timestamp, parse_duration

CATALOGUE_SUFFIXES = (".yaml", ".yml")
DEFAULT_CATALOGUE = Path(__file__).resolve().parent.parent / "videos" / "catalogue.yaml"
DURATION_SLACK_SECONDS = 5.0
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
REQUIRED_FIELDS = ("id", "title", "url", "subtitles")


def load_catalogue_yaml(path: Path) -> list[Any]:
    """The `videos` list of a catalogue file; DocumentError naming the file when it is not a catalogue."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise DocumentError(f"{path.name}: not a readable YAML catalogue ({type(err).__name__})") from err
    if not isinstance(raw, dict) or not isinstance(raw.get("videos"), list):
        raise DocumentError(f"{path.name}: a video catalogue needs a top-level `videos:` list")
    return list(raw["videos"])


def subtitle_paths(path: Path) -> list[Path]:
    """Subtitle files a catalogue refers to (those that exist); empty when the catalogue cannot be read."""
    try:
        entries = load_catalogue_yaml(path)
    except DocumentError:
        return []
    found = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("subtitles"), str):
            candidate = (path.parent / entry["subtitles"]).resolve()
            if candidate.is_file():
                found.append(candidate)
    return found


def read_catalogue(path: Path) -> LoadResult:
    """Read every video of a catalogue; a bad entry is reported by `catalogue.yaml#id` and the rest still load."""
    result = LoadResult()
    seen: set[str] = set()
    for position, entry in enumerate(load_catalogue_yaml(path), start=1):
        label = f"{path.name}#{entry.get('id') if isinstance(entry, dict) and entry.get('id') else position}"
        try:
            document = _video_document(path, entry, label)
        except DocumentError as err:
            result.problems.append(str(err))
            continue
        if document.meta.doc_id in seen:
            result.problems.append(f"{label}: id used twice in the catalogue, skipped")
            continue
        seen.add(document.meta.doc_id)
        result.documents.append(document)
    return result


def _video_document(catalogue: Path, entry: Any, label: str) -> ParsedDocument:
    if not isinstance(entry, dict):
        raise DocumentError(f"{label}: each video must be a mapping of fields")
    missing = [name for name in REQUIRED_FIELDS if not entry.get(name)]
    if missing:
        raise DocumentError(f"{label}: missing {', '.join(missing)}")
    video_id = str(entry["id"])
    if not _ID.match(video_id):
        raise DocumentError(f"{label}: id may hold letters, digits, '.', '_' and '-' only")
    url = str(entry["url"])
    if not url.startswith(("https://", "http://")):
        raise DocumentError(f"{label}: url must start with https:// or http://")
    subtitles = catalogue.parent / str(entry["subtitles"])
    if subtitles.suffix.lower() not in SUBTITLE_SUFFIXES:
        raise DocumentError(f"{label}: subtitles must be a .srt or .vtt file, not {subtitles.name}")
    if not subtitles.is_file():
        raise DocumentError(f"{label}: subtitle file {entry['subtitles']} not found")
    try:
        duration = parse_duration(entry.get("duration"))
    except ValueError as err:
        raise DocumentError(f"{label}: {err} (use seconds or mm:ss)") from err
    try:
        cues = read_cues(subtitles)
    except DocumentError as err:
        raise DocumentError(f"{label}: {err}") from err
    if duration is not None and cues[-1].start > duration + DURATION_SLACK_SECONDS:
        raise DocumentError(
            f"{label}: subtitles run to {format_timestamp(cues[-1].start)} "
            f"but the duration is {format_timestamp(duration)}"
        )
    segments = group_cues(cues)
    raw_meta = {
        "doc_id": video_id,
        "title": str(entry["title"]),
        "url": url,
        "lang": entry.get("lang"),
        "topic": entry.get("topic"),
        "region": entry.get("region"),
        "effective_date": entry.get("effective_date"),
        "varies_locally": entry.get("varies_locally", False),
        "source_note": entry.get("source_note"),
    }
    meta = meta_from(raw_meta, path=Path(label), body=" ".join(s.text for s in segments))
    sections, starts = split_sections([s.section() for s in segments])
    digest = hashlib.sha256(json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str).encode())
    digest.update(subtitles.read_bytes())
    return ParsedDocument(meta, sections, f"{catalogue}#{video_id}", digest.hexdigest(), starts)
