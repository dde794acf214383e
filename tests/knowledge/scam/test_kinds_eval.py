"""The new-kinds evaluation set: a deterministic dev/test split and per-kind, per-form rates."""

from pathlib import Path

import pytest

from knowledge.scam.kinds_eval import (
    NEW_KINDS_FILE,
    KindsEvalError,
    load_kind_items,
    rate,
    render_kinds,
    score_items,
)

SMALL = """version: 1
items:
- {id: a1, kind: task_brushing, form: sms, lang: zh, text: "刷单返利"}
- {id: a2, kind: task_brushing, form: sms, lang: zh, text: "点赞返佣"}
- {id: a3, kind: task_brushing, form: chat, lang: zh, text: "对方：刷单\\n我：好"}
- {id: a4, kind: task_brushing, form: chat, lang: zh, text: "对方：垫付\\n我：不"}
- {id: l1, kind: legit, form: sms, lang: zh, text: "明天开会"}
- {id: l2, kind: legit, form: sms, lang: zh, text: "后天赶集"}
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "kinds.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_every_other_item_per_kind_and_form_is_dev(small: Path) -> None:
    splits = {item.id: item.split for item in load_kind_items(small)}

    assert splits == {"a1": "dev", "a2": "test", "a3": "dev", "a4": "test", "l1": "dev", "l2": "test"}


def test_the_split_does_not_depend_on_the_file_order(small: Path, tmp_path: Path) -> None:
    lines = SMALL.splitlines()
    shuffled = tmp_path / "shuffled.yaml"
    shuffled.write_text("\n".join(lines[:2] + list(reversed(lines[2:]))) + "\n", encoding="utf-8")

    assert load_kind_items(small) == load_kind_items(shuffled)


def test_rates_count_per_split_kind_and_form(small: Path) -> None:
    scores = score_items(load_kind_items(small), lambda text: ("刷单" in text or "明天" in text, []))

    assert rate(scores, "dev", "task_brushing", "sms") == (1, 1)
    assert rate(scores, "dev", "task_brushing", "chat") == (1, 1)
    assert rate(scores, "test", "task_brushing") == (0, 2)
    assert rate(scores, "dev", "legit") == (1, 1)
    assert rate(scores, "dev") == (2, 2)  # every scam kind
    rows = render_kinds(scores)
    assert any(row.startswith("| test | task_brushing | 0.00 (0/2)") for row in rows)


def test_a_malformed_file_raises_the_projects_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\n", encoding="utf-8")

    with pytest.raises(KindsEvalError):
        load_kind_items(path)


def test_the_shipped_set_has_dev_and_test_items_for_every_kind_and_form() -> None:
    items = load_kind_items(NEW_KINDS_FILE)
    groups = {(item.kind, item.form) for item in items}
    for group in groups:
        splits = {item.split for item in items if (item.kind, item.form) == group}
        assert splits == {"dev", "test"}, group
