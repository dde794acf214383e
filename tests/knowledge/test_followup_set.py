"""The follow-up tuning set names, for each second turn, a section that exists in the corpus."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
FOLLOWUPS = ROOT / "knowledge" / "eval" / "followups.yaml"
CORPUS = ROOT / "knowledge" / "corpus"


def _headings(doc: str) -> set[str]:
    text = (CORPUS / f"{doc}.md").read_text(encoding="utf-8")
    return {line[3:].strip() for line in text.splitlines() if line.startswith("## ")}


def test_every_dialogue_has_two_turns_and_names_a_real_section() -> None:
    items = yaml.safe_load(FOLLOWUPS.read_text(encoding="utf-8"))["items"]
    assert len(items) >= 30
    for item in items:
        assert item["lang"] in ("zh", "en") and len(item["turns"]) == 2, item["id"]
        golds = [(item["doc"], item["locator"]), *(tuple(a.split("#", 1)) for a in item.get("alt", []))]
        for doc, locator in golds:
            assert locator in _headings(doc), f"{item['id']}: {doc}#{locator}"


def test_a_dialogue_counts_as_resolved_only_from_its_named_section() -> None:
    from knowledge.answer_types import Answer, SourceInfo
    from knowledge.eval.followups import load_followups, resolved

    dialogue = next(d for d in load_followups() if d.item_id == "f01")
    doc, locator = next(iter(dialogue.golds))
    titles = {doc: "T"}

    def right(q: str, lang: str, prev: str) -> Answer:
        return Answer(text="x", lang="zh", confident=True, sources=[SourceInfo(title="T", locator=locator)])

    def wrong(q: str, lang: str, prev: str) -> Answer:
        return Answer(text="x", lang="zh", confident=True, sources=[SourceInfo(title="T", locator="其他")])

    assert resolved([dialogue], right, titles) == [True]  # type: ignore[arg-type]
    assert resolved([dialogue], wrong, titles) == [False]  # type: ignore[arg-type]
