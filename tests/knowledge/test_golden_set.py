from collections import Counter
from pathlib import Path

import pytest

from knowledge.eval.golden import GOLDEN_FILE, GoldenSetError, load_golden
from knowledge.ingest.markdown import read_markdown

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"


@pytest.fixture(scope="module")
def sections() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for path in CORPUS.glob("*.md"):
        if path.name == "README.md":
            continue
        meta, parts = read_markdown(path)
        for locator, text, _asks in parts:
            found[(meta.doc_id, locator)] = found.get((meta.doc_id, locator), "") + text
    return found


def test_every_gold_locator_names_a_real_section_of_its_document(sections):
    missing = [(q.qid, gold) for q in load_golden() for gold in q.golds if gold not in sections]
    assert missing == []


def test_every_key_fact_appears_in_the_primary_gold_section(sections):
    absent = [q.qid for q in load_golden() if not q.out_of_scope and q.fact not in sections[q.golds[0]]]
    assert absent == []


def test_golden_set_has_the_promised_size_languages_and_splits():
    golden = load_golden()
    inscope = [q for q in golden if not q.out_of_scope]
    langs = Counter(q.lang for q in inscope)
    assert len(inscope) >= 200 and langs["zh"] >= 150 and langs["en"] >= 50
    assert sum(1 for q in inscope if q.tags) >= 30
    assert sum(1 for q in golden if q.out_of_scope and q.lang == "zh") >= 40
    test_share = sum(1 for q in golden if q.split == "test") / len(golden)
    assert 0.35 <= test_share <= 0.45


def test_questions_are_not_copies_of_section_headings():
    golden = load_golden()
    assert [q.qid for q in golden if not q.out_of_scope and q.question.strip() == q.golds[0][1]] == []
    assert len({q.qid for q in golden}) == len(golden)


def test_malformed_rows_are_reported_by_id(tmp_path: Path):
    bad = tmp_path / "golden.yaml"
    bad.write_text("questions:\n- id: x1\n  q: 能贷多少\n  lang: zh\n  split: dev\n  doc: loan-zh\n", encoding="utf-8")
    with pytest.raises(GoldenSetError, match="x1"):
        load_golden(bad)
    bad.write_text("questions:\n- id: x2\n  q: hi\n  lang: fr\n  split: dev\n  doc: oos\n", encoding="utf-8")
    with pytest.raises(GoldenSetError, match="x2"):
        load_golden(bad)


def test_golden_file_lives_in_the_package():
    assert GOLDEN_FILE.is_file()
