"""The new-scam-kinds evaluation set (knowledge/scam/eval/new_kinds.yaml): loading, dev/test split, per-kind metrics.

The set was written blind by a separate writer (single SMS and pasted chats for eight scam kinds the shared dev
sets do not cover, plus legitimate messages on the same subjects). It is never used as training text. Items are
split deterministically: within each (kind, form) group, in id order, every other item is dev, the rest test.
Tuning looks at dev only; test is reported once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from core.errors import NonghuiError

NEW_KINDS_FILE = Path(__file__).parent / "eval" / "new_kinds.yaml"
LEGIT_KIND = "legit"
KIND_RECALL_TARGET = 0.9
Split = Literal["dev", "test"]


class KindsEvalError(NonghuiError):
    """The new-kinds evaluation file is missing or malformed."""


@dataclass(frozen=True)
class KindItem:
    """One evaluation item: id, scam kind (or "legit"), form ("sms" or "chat"), language, text and split."""

    id: str
    kind: str
    form: str
    lang: str
    text: str
    split: Split


def load_kind_items(path: Path = NEW_KINDS_FILE) -> list[KindItem]:
    """Read the evaluation items and assign each its dev/test split."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = raw["items"]
        rows = [(str(e["id"]), str(e["kind"]), str(e["form"]), str(e["lang"]), str(e["text"]).strip()) for e in entries]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise KindsEvalError(f"cannot read {path.name}: {exc}") from exc
    groups: dict[tuple[str, str], list[tuple[str, str, str, str, str]]] = {}
    for row in sorted(rows):
        groups.setdefault((row[1], row[2]), []).append(row)
    items: list[KindItem] = []
    for group in groups.values():
        for index, (item_id, kind, form, lang, text) in enumerate(group):
            items.append(KindItem(item_id, kind, form, lang, text, "dev" if index % 2 == 0 else "test"))
    return sorted(items, key=lambda item: item.id)


@dataclass(frozen=True)
class KindScore:
    """One item with whether the detector warned on it and the signal codes it gave."""

    item: KindItem
    warned: bool
    codes: tuple[str, ...]


def score_items(items: list[KindItem], warns: Callable[[str], tuple[bool, list[str]]]) -> list[KindScore]:
    """Score every item with `warns(text) -> (warned, signal codes)`."""
    scored = []
    for item in items:
        warned, codes = warns(item.text)
        scored.append(KindScore(item, warned, tuple(codes)))
    return scored


def rate(scores: list[KindScore], split: Split, kind: str | None = None, form: str | None = None) -> tuple[int, int]:
    """(warned, total) among the scores of a split, optionally one kind (None: every scam kind) and one form."""
    chosen = [
        score
        for score in scores
        if score.item.split == split
        and (score.item.kind == kind if kind is not None else score.item.kind != LEGIT_KIND)
        and (form is None or score.item.form == form)
    ]
    return sum(score.warned for score in chosen), len(chosen)


def scam_kinds(scores: list[KindScore]) -> list[str]:
    """The scam kinds present, by name."""
    return sorted({score.item.kind for score in scores} - {LEGIT_KIND})


def _cell(pair: tuple[int, int]) -> str:
    warned, total = pair
    return f"{warned / total:.2f} ({warned}/{total})" if total else "–"


def render_kinds(scores: list[KindScore], splits: tuple[Split, ...] = ("dev", "test")) -> list[str]:
    """Markdown rows: recall per kind (all, single SMS, chat) per split, then the legitimate messages' warnings."""
    lines = [
        "| split | kind | recall (all) | single SMS | pasted chat | target |",
        "|---|---|---|---|---|---|",
    ]
    for split in splits:
        for kind in [*scam_kinds(scores), None]:
            name = kind or "**all scam kinds**"
            overall = rate(scores, split, kind)
            ok = overall[1] > 0 and overall[0] / overall[1] >= KIND_RECALL_TARGET
            lines.append(
                f"| {split} | {name} | {_cell(overall)} | {_cell(rate(scores, split, kind, 'sms'))} | "
                f"{_cell(rate(scores, split, kind, 'chat'))} | ≥ {KIND_RECALL_TARGET} {'✅' if ok else '❌'} |"
            )
        legit = rate(scores, split, LEGIT_KIND)
        lines.append(
            f"| {split} | legitimate (warned = false positive) | {_cell(legit)} | "
            f"{_cell(rate(scores, split, LEGIT_KIND, 'sms'))} | {_cell(rate(scores, split, LEGIT_KIND, 'chat'))} | – |"
        )
    return lines
