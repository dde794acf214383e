"""The blind question set loads, is well formed, and is scored on the reply to its last turn."""

from __future__ import annotations

from knowledge.eval.blind import BlindItem, ItemOutcome, TurnReply, load_blind, render_blind, run_items, summarise_blind


def test_the_blind_set_has_its_kinds_splits_and_labelled_facts() -> None:
    items = load_blind()
    assert len(items) >= 200
    assert {i.kind for i in items} == {"single", "dialogue", "oos"}
    assert {i.split for i in items} == {"dev", "test"}
    assert all(len(i.turns) == 2 for i in items if i.kind == "dialogue")
    assert all(not i.scored_in_scope for i in items if i.kind == "oos")
    assert sum(i.scored_in_scope for i in items) >= 200


def _item(kind: str = "single", facts: tuple[str, ...] = ("3年",), turns: tuple[str, ...] = ("能贷几年",)) -> BlindItem:
    return BlindItem("x", kind, "loan", "zh", ("plain",), turns, "dev", kind != "oos", facts if kind != "oos" else ())


def test_a_reply_with_the_fact_counts_and_a_year_is_not_a_span() -> None:
    hit = ItemOutcome(_item(), (TurnReply("最长3年。", True),))
    year = ItemOutcome(_item(), (TurnReply("2023年起执行。", True),))
    assert hit.has_fact and not year.has_fact


def test_declining_counts_as_abstention_in_scope_and_as_success_out_of_scope() -> None:
    declined = ItemOutcome(_item(), (TurnReply("我不确定。", False),))
    oos = ItemOutcome(_item("oos"), (TurnReply("这个我答不了。", False),))
    figures = summarise_blind([declined, oos], "dev")
    assert figures["false_abstention"] == 1.0 and figures["key_fact_rate"] == 0.0
    assert figures["oos_abstention"] == 1.0


def test_each_turn_after_the_first_is_asked_with_the_one_before_it() -> None:
    seen: list[tuple[str, str | None]] = []

    def ask(question: str, lang: str, previous: str | None) -> TurnReply:
        seen.append((question, previous))
        return TurnReply("最长3年。", True)

    outcome = run_items([_item("dialogue", turns=("能贷多少", "那要几年还"))], ask)[0]  # type: ignore[arg-type]
    assert seen == [("能贷多少", None), ("那要几年还", "能贷多少")]
    assert outcome.has_fact
    assert "follow_up" in outcome.item.categories


def test_a_table_for_one_split_shows_only_that_split() -> None:
    outcome = ItemOutcome(_item(), (TurnReply("最长3年。", True),))
    table = render_blind([outcome], "dev only", "dev")
    assert "| figure | dev |" in table and "test" not in table
    assert "| figure | dev | test |" in render_blind([outcome], "both")
