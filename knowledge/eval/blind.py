"""The blind question set: farmers' questions written by someone who never saw the corpus, scored on key facts.

The questions (`blind.yaml`) were written from a topic list and a description of the farmers only; their key facts
were labelled afterwards from the facts sheet. Each item is a single question, a two-turn dialogue whose second
turn depends on the first, or an out-of-scope question. Scoring looks at the reply to the last turn: whether it
contains one of the labelled facts, whether the bot answered at all, and (out of scope) whether it declined.

`python -m knowledge.eval.blind` runs the set through the knowledge service alone (a quick loop for retrieval and
answer composition); `python -m bot.answer_eval` runs it through the whole running bot (Rasa, actions, shield).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import NonghuiError
from core.lang import Lang
from knowledge.eval.metrics import contains_fact, rate
from knowledge.eval.rows import yaml_rows

BLIND_FILE = Path(__file__).resolve().parent / "blind.yaml"
KINDS = ("single", "dialogue", "oos")
STYLES = ("typo", "dialect", "short", "long", "plain")
# Report rows per category: the styles, the farmer's language, and the follow-up turn of a dialogue.
CATEGORIES = (*STYLES, "zh", "en", "follow_up")


class BlindSetError(NonghuiError):
    """The blind file is missing or malformed; the message names the item."""


@dataclass(frozen=True)
class BlindItem:
    """One blind item: its turns (the last one is scored), language, styles, split and labelled key facts."""

    item_id: str
    kind: str
    topic: str
    lang: Lang
    styles: tuple[str, ...]
    turns: tuple[str, ...]
    split: str
    answerable: bool
    facts: tuple[str, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        """The report categories this item counts in."""
        extra = ("follow_up",) if self.kind == "dialogue" else ()
        return (*self.styles, self.lang, *extra)

    @property
    def scored_in_scope(self) -> bool:
        """Whether the item counts for the key-fact and false-abstention figures."""
        return self.kind != "oos" and self.answerable and bool(self.facts)


@dataclass(frozen=True)
class TurnReply:
    """What the bot said to one turn: its text, and whether it answered (False: declined or said it is unsure)."""

    text: str
    answered: bool


@dataclass(frozen=True)
class ItemOutcome:
    """An item with the bot's reply to each of its turns."""

    item: BlindItem
    replies: tuple[TurnReply, ...]

    @property
    def last(self) -> TurnReply:
        """The reply to the scored (last) turn."""
        return self.replies[-1]

    @property
    def has_fact(self) -> bool:
        """Whether the reply to the last turn contains one of the labelled key facts."""
        return any(contains_fact(self.last.text, fact) for fact in self.item.facts)

    @property
    def abstained(self) -> bool:
        """Whether the bot gave no answer to the last turn."""
        return not self.last.answered and not self.has_fact


def load_blind(path: Path = BLIND_FILE) -> list[BlindItem]:
    """Read the blind YAML file; raises BlindSetError naming the first bad item."""
    rows = yaml_rows(path, "items", BlindSetError, "blind set")
    return [_item(row, position) for position, row in enumerate(rows, start=1)]


def _item(row: Any, position: int) -> BlindItem:
    if not isinstance(row, dict):
        raise BlindSetError(f"item {position}: not a mapping")
    item_id = str(row.get("id") or f"#{position}")
    kind, lang, split = row.get("kind"), row.get("lang"), row.get("split")
    turns = row.get("turns")
    if kind not in KINDS or lang not in ("zh", "en") or split not in ("dev", "test"):
        raise BlindSetError(f"{item_id}: kind, lang or split missing or unknown")
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        raise BlindSetError(f"{item_id}: needs a list of non-empty `turns`")
    # "en" may stand among the styles too; the language field already says it.
    styles = tuple(str(s) for s in row.get("styles") or () if s != "en")
    unknown = set(styles) - set(STYLES)
    if unknown:
        raise BlindSetError(f"{item_id}: unknown styles {sorted(unknown)}")
    facts = tuple(str(f) for f in row.get("facts") or () if str(f).strip())
    answerable = bool(row.get("answerable", kind != "oos"))
    return BlindItem(
        item_id=item_id,
        kind=kind,
        topic=str(row.get("topic") or "none"),
        lang=lang,
        styles=styles,
        turns=tuple(turns),
        split=split,
        answerable=answerable,
        facts=facts,
    )


def summarise_blind(outcomes: Sequence[ItemOutcome], split: str | None) -> dict[str, float | int]:
    """Key-fact rate, false abstention, follow-ups resolved and out-of-scope abstention for one split (or all)."""
    rows = [o for o in outcomes if split is None or o.item.split == split]
    scored = [o for o in rows if o.item.scored_in_scope]
    oos = [o for o in rows if o.item.kind == "oos"]
    figures: dict[str, float | int] = {
        "questions": len(scored),
        "key_fact_rate": rate([o.has_fact for o in scored]),
        "false_abstention": rate([o.abstained for o in scored]),
        "oos_questions": len(oos),
        "oos_abstention": rate([not o.last.answered for o in oos]),
    }
    for category in CATEGORIES:
        subset = [o for o in scored if category in o.item.categories]
        figures[f"n_{category}"] = len(subset)
        figures[f"key_fact_{category}"] = rate([o.has_fact for o in subset])
    return figures


def render_blind(outcomes: Sequence[ItemOutcome], title: str, only: str | None = None) -> str:
    """A Markdown table: one column per split (or only the split `only`), key facts per category, abstention in and
    out of scope."""
    splits = (only,) if only else ("dev", "test")
    columns = {split: summarise_blind(outcomes, split) for split in splits}
    lines = [f"### {title}", "", "| figure | " + " | ".join(splits) + " |", "|---" * (len(splits) + 1) + "|"]

    def row(label: str, key: str, count: str | None = None) -> None:
        cells = []
        for figures in columns.values():
            cell = f"{figures[key]:.3f}"
            if count is not None:
                cell += f" (n={figures[count]})"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("key fact in the answer (answerable items)", "key_fact_rate", "questions")
    row("answerable items wrongly abstained", "false_abstention")
    for category in CATEGORIES:
        label = "follow-up turn resolved (key fact)" if category == "follow_up" else f"key fact: {category}"
        row(label, f"key_fact_{category}", f"n_{category}")
    row("out-of-scope items declined", "oos_abstention", "oos_questions")
    return "\n".join(lines)


def failures(outcomes: Iterable[ItemOutcome], split: str) -> list[str]:
    """One line per missed item of a split: id, turns, the facts wanted and the start of the reply."""
    lines = []
    for outcome in outcomes:
        item = outcome.item
        if item.split != split:
            continue
        missed = (item.kind == "oos" and outcome.last.answered) or (item.scored_in_scope and not outcome.has_fact)
        if missed:
            reply = outcome.last.text.replace("\n", " ")[:140]
            lines.append(f"{item.item_id} [{','.join(item.categories)}] {' / '.join(item.turns)}")
            lines.append(f"    want {list(item.facts)} got {'(declined) ' if not outcome.last.answered else ''}{reply}")
    return lines


Asker = Callable[[str, Lang, str | None], TurnReply]


def run_items(items: Sequence[BlindItem], ask: Asker) -> list[ItemOutcome]:
    """Ask each item's turns in order; each turn after the first gets the turn before it as context."""
    outcomes = []
    for item in items:
        replies = []
        previous: str | None = None
        for turn in item.turns:
            replies.append(ask(turn, item.lang, previous))
            previous = turn
        outcomes.append(ItemOutcome(item, tuple(replies)))
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    """Run the blind set through the knowledge service alone and print the table (`--failures` lists dev misses)."""
    from knowledge.evaluate import REPO_ROOT, embedder_for, evaluation_index
    from knowledge.service import knowledge_service_for

    parser = argparse.ArgumentParser(prog="python -m knowledge.eval.blind", description=__doc__)
    parser.add_argument("--index", type=Path, help="evaluate this built index (default: build one from the corpus)")
    parser.add_argument("--blind", type=Path, default=BLIND_FILE)
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "knowledge" / "corpus")
    parser.add_argument("--model", help="embedding model path (default: the bot's configured model)")
    parser.add_argument("--failures", action="store_true", help="list the dev items that missed")
    parser.add_argument("--split", choices=("dev", "test"), help="run only this split (tune on dev alone)")
    args = parser.parse_args(argv)

    items = [item for item in load_blind(args.blind) if args.split is None or item.split == args.split]
    embedder = embedder_for(args.model)
    with evaluation_index(args.index, args.corpus, embedder) as index_dir:
        service = knowledge_service_for(index_dir, embedder)
        service.warm_up()

        def ask(question: str, lang: Lang, previous: str | None) -> TurnReply:
            answer = service.answer(question, lang=lang, previous=previous)
            return TurnReply(text=answer.text, answered=answer.confident)

        outcomes = run_items(items, ask)
    print(render_blind(outcomes, "Blind set through the knowledge service", args.split))
    if args.failures and args.split != "test":
        print("\n".join(failures(outcomes, "dev")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
