"""`python -m knowledge.eval.followups`: two-turn dialogues, scored on the section that answers the second turn.

`followups.yaml` was written from the corpus's section headings alone (a tuning set: every item is dev). A second turn
counts as resolved when the answer's first source is the named section (or one of its `alt` sections).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.lang import Lang
from knowledge.answer_types import Answer

FOLLOWUPS_FILE = Path(__file__).resolve().parent / "followups.yaml"


@dataclass(frozen=True)
class Dialogue:
    """Two turns and the (document, section) pairs that answer the second one."""

    item_id: str
    lang: Lang
    turns: tuple[str, str]
    golds: frozenset[tuple[str, str]]


def load_followups(path: Path = FOLLOWUPS_FILE) -> list[Dialogue]:
    """Read the follow-up tuning set."""
    rows: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return [
        Dialogue(
            item_id=str(row["id"]),
            lang=row["lang"],
            turns=(row["turns"][0], row["turns"][1]),
            golds=frozenset({(row["doc"], row["locator"]), *(_pair(alt) for alt in row.get("alt", []))}),
        )
        for row in rows
    ]


def _pair(alt: str) -> tuple[str, str]:
    doc, _, locator = alt.partition("#")
    return doc, locator


Ask = Callable[[str, Lang, str], Answer]


def resolved(dialogues: Sequence[Dialogue], ask: Ask, titles: dict[str, str]) -> list[bool]:
    """For each dialogue, whether the second turn's answer cites a section that answers it (`titles`: doc → title)."""
    outcomes = []
    for dialogue in dialogues:
        answer = ask(dialogue.turns[1], dialogue.lang, dialogue.turns[0])
        first = answer.sources[0] if answer.confident and answer.sources else None
        outcomes.append(
            first is not None
            and any(titles.get(doc) == first.title and loc == first.locator for doc, loc in dialogue.golds)
        )
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    """Run the follow-up set through the knowledge service and print the share resolved (`--failures` lists misses)."""
    from knowledge.evaluate import REPO_ROOT, embedder_for, evaluation_index
    from knowledge.service import knowledge_service_for

    parser = argparse.ArgumentParser(prog="python -m knowledge.eval.followups", description=__doc__)
    parser.add_argument("--index", type=Path, help="evaluate this built index (default: build one from the corpus)")
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "knowledge" / "corpus")
    parser.add_argument("--model", help="embedding model path (default: the bot's configured model)")
    parser.add_argument("--failures", action="store_true", help="list the dialogues not resolved")
    args = parser.parse_args(argv)

    dialogues = load_followups()
    embedder = embedder_for(args.model)
    with evaluation_index(args.index, args.corpus, embedder) as index_dir:
        service = knowledge_service_for(index_dir, embedder)
        service.warm_up()
        titles = {chunk.doc.doc_id: chunk.doc.title for chunk in service.retriever.index.chunks}
        outcomes = resolved(dialogues, lambda q, lang, prev: service.answer(q, lang=lang, previous=prev), titles)
    print(f"follow-up turns answered from the named section: {sum(outcomes) / len(outcomes):.3f} of {len(outcomes)}")
    if args.failures:
        for dialogue, ok in zip(dialogues, outcomes, strict=True):
            if not ok:
                print(f"{dialogue.item_id} {' / '.join(dialogue.turns)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
