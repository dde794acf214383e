"""Front-matter parsing for Markdown knowledge documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from core.errors import NonghuiError
from core.lang import detect_lang
from knowledge.types import DocumentMeta

TOPICS = {"loan", "insurance", "scam", "station", "general"}


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


def meta_from(raw: dict[str, Any], *, path: Path, body: str) -> DocumentMeta:
    """Build DocumentMeta from front-matter, filling gaps from the file name and the text."""
    lang = raw.get("lang") or detect_lang(body[:2000]) or "zh"
    if lang not in ("zh", "en"):
        raise DocumentError(f"{path.name}: lang must be zh or en, not {lang!r}")
    topic = str(raw.get("topic") or "general")
    if topic not in TOPICS:
        raise DocumentError(f"{path.name}: topic must be one of {sorted(TOPICS)}, not {topic!r}")
    title = str(raw.get("title") or _first_heading(body) or path.stem)
    return DocumentMeta(
        doc_id=str(raw.get("doc_id") or path.stem),
        title=title,
        lang=lang,
        topic=topic,  # type: ignore[arg-type]
        region=str(raw.get("region") or "national"),
        effective_date=str(raw.get("effective_date") or ""),
        varies_locally=bool(raw.get("varies_locally", False)),
        source_note=str(raw.get("source_note") or ""),
        url=raw.get("url"),
    )


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None
