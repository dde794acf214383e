"""The golden question set: farmers' questions with their gold section and the fact a right answer contains."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import NonghuiError
from core.lang import Lang
from knowledge.eval.rows import yaml_rows

GOLDEN_FILE = Path(__file__).resolve().parent / "golden.yaml"
CALIBRATION_OOS_FILE = Path(__file__).resolve().parent / "oos_zh_calibration.txt"
CALIBRATION_OOS_EN_FILE = Path(__file__).resolve().parent / "oos_en_calibration.txt"
OOS = "oos"
SPLITS = ("dev", "test")


class GoldenSetError(NonghuiError):
    """The golden file is missing or malformed; the message names the row."""


@dataclass(frozen=True)
class GoldenQuestion:
    """One golden row: question, language, split, gold (doc_id, locator) pairs and the key fact."""

    qid: str
    question: str
    lang: Lang
    split: str
    golds: tuple[tuple[str, str], ...]
    fact: str = ""
    tags: tuple[str, ...] = ()

    @property
    def out_of_scope(self) -> bool:
        """True for questions the corpus does not answer (the bot must abstain)."""
        return not self.golds

    @property
    def gold_docs(self) -> frozenset[str]:
        """Document ids that hold a correct answer."""
        return frozenset(doc for doc, _ in self.golds)


def load_golden(path: Path = GOLDEN_FILE) -> list[GoldenQuestion]:
    """Read the golden YAML file; raises GoldenSetError naming the first bad row."""
    rows = yaml_rows(path, "questions", GoldenSetError, "golden set")
    return [_question(row, position) for position, row in enumerate(rows, start=1)]


def _question(row: Any, position: int) -> GoldenQuestion:
    if not isinstance(row, dict) or not row.get("q") or not row.get("doc"):
        raise GoldenSetError(f"golden row {position}: needs at least `q` and `doc`")
    qid = str(row.get("id") or position)
    lang = row.get("lang")
    if lang not in ("zh", "en"):
        raise GoldenSetError(f"golden row {qid}: lang must be zh or en")
    split = str(row.get("split") or "")
    if split not in SPLITS:
        raise GoldenSetError(f"golden row {qid}: split must be one of {SPLITS}")
    golds: list[tuple[str, str]] = []
    if row["doc"] != OOS:
        if not row.get("locator") or not row.get("fact"):
            raise GoldenSetError(f"golden row {qid}: an in-scope row needs `locator` and `fact`")
        golds.append((str(row["doc"]), str(row["locator"])))
        for alt in row.get("alt") or []:
            golds.append((str(alt["doc"]), str(alt["locator"])))
    return GoldenQuestion(
        qid=qid,
        question=str(row["q"]),
        lang=lang,
        split=split,
        golds=tuple(golds),
        fact=str(row.get("fact") or ""),
        tags=tuple(str(t) for t in row.get("tags") or ()),
    )


def clinc_oos_questions(eval_dir: Path) -> list[str] | None:
    """The `oos` rows of the shared CLINC150 slice (read in place, never copied); None when it is absent."""
    path = eval_dir / "en_clinc150_val_finance_smalltalk_oos.csv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle) if row.get("intent") == OOS and row.get("text")]


def calibration_oos_questions(path: Path = CALIBRATION_OOS_FILE) -> list[str]:
    """Hand-written out-of-scope calibration questions (Chinese by default): one per line, `#` lines and blanks
    skipped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]
