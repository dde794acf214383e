"""Reading an evaluation set: a YAML file whose top-level key holds a list of rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from core.errors import NonghuiError


def yaml_rows(path: Path, key: str, error: type[NonghuiError], what: str) -> list[Any]:
    """The list under `key` in the YAML file; raises `error` naming the file when it is unreadable or has none."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise error(f"{path}: cannot read the {what} ({type(err).__name__})") from err
    rows = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(rows, list):
        raise error(f"{path}: needs a top-level `{key}:` list")
    return rows
