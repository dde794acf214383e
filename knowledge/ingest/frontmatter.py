"""Front-matter parsing for Markdown knowledge documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from core.errors import NonghuiError
from core.intents import TOPICS
from core.lang import detect_lang
from knowledge.ingest.topic import infer_topic
from knowledge.types import DocumentMeta, Kind

KINDS = {"guide", "statute"}


class DocumentError(NonghuiError):
    """A knowledge file cannot be read; the message names the file and the reason."""


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return (metadata, body) for a document that may start with a `---` YAML block."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        return {}, text
    raw = yaml.safe_load(text[3:end]) or {}
    if not isinstance(raw, dict):
        return {}, text
    body_start = text.find("\n", end + 4)
    return raw, text[body_start + 1 :] if body_start != -1 else ""


def meta_from(raw: dict[str, Any], *, path: Path, body: str, kind: str = "guide") -> DocumentMeta:
    """Build DocumentMeta from front-matter, filling gaps from the file name and the text.

    Without front-matter the language is detected and the topic inferred from the text; `kind` is what the
    reader found (a statute when its paragraphs are articles), unless the front-matter names one."""
    lang = raw.get("lang") or detect_lang(body[:2000]) or "zh"
    if lang not in ("zh", "en"):
        raise DocumentError(f"{path.name}: lang must be zh or en, not {lang!r}")
    title = str(raw.get("title") or _first_heading(body) or path.stem)
    topic = str(raw.get("topic") or infer_topic(title, body))
    if topic not in TOPICS:
        raise DocumentError(f"{path.name}: topic must be one of {sorted(TOPICS)}, not {topic!r}")
    kind = str(raw.get("kind") or kind)
    if kind not in KINDS:
        raise DocumentError(f"{path.name}: kind must be one of {sorted(KINDS)}, not {kind!r}")
    document_kind: Kind = "statute" if kind == "statute" else "guide"
    return DocumentMeta(
        doc_id=str(raw.get("doc_id") or path.stem),
        title=title,
        lang=lang,
        topic=topic,
        region=str(raw.get("region") or "national"),
        effective_date=str(raw.get("effective_date") or ""),
        varies_locally=bool(raw.get("varies_locally", False)),
        source_note=str(raw.get("source_note") or ""),
        url=raw.get("url"),
        kind=document_kind,
    )


def declared_kind(raw: dict[str, Any]) -> str | None:
    """The `kind` front-matter names ("guide" or "statute"), None when it names none."""
    value = raw.get("kind")
    return str(value) if value else None


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None
