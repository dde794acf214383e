"""Evaluate the scam detector on the shared research-only dev sets: `python -m knowledge.scam.evaluate [--write]`."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.intents import Intent
from knowledge.scam.detector import ScamDetector
from knowledge.scam.kinds_eval import NEW_KINDS_FILE, KindScore, load_kind_items, render_kinds, score_items
from knowledge.scam.model import DEFAULT_TRAINING_FILES, read_training_file
from knowledge.scam.types import LEVEL_THRESHOLDS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
EVAL_MD = Path(__file__).parent / "EVAL.md"
ZH_FILE = "zh_sms_fraud_dev.csv"
EN_FILE = "en_sms_spam_dev.tsv"
RECALL_TARGETS = {"loan_fraud": 0.95}
DEFAULT_RECALL_TARGET = 0.9
FPR_TARGET = 0.01  # the answer-quality issue: ≤ 1.0 % on ordinary Chinese SMS and on English ham
P95_TARGET_MS = 10.0
NEGATIVE_CLASSES = {"normal", "ham"}
NLU_DIR = REPO_ROOT / "nlu" / "data"
# Intents whose examples describe or quote a scam: a warning on them is expected, so they are counted apart.
SCAM_TALK_INTENTS = frozenset({Intent.CHECK_MESSAGE, Intent.ASK_SCAM})
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


@dataclass
class Scored:
    """One evaluated message: gold class, risk, whether it was flagged, and the signal codes."""

    label: str
    risk: float
    flagged: bool
    codes: list[str] = field(default_factory=list)


@dataclass
class DatasetResult:
    """Metrics for one dataset."""

    name: str
    rows: list[Scored]
    latencies_ms: list[float]

    def recall(self, label: str) -> float:
        """Share of messages of a fraud class flagged medium or above."""
        items = [row for row in self.rows if row.label == label]
        return sum(row.flagged for row in items) / len(items) if items else float("nan")

    def false_positive_rate(self) -> float:
        """Share of normal/ham messages flagged medium or above."""
        items = [row for row in self.rows if row.label in NEGATIVE_CLASSES]
        return sum(row.flagged for row in items) / len(items) if items else float("nan")

    def pr_auc(self) -> float:
        """Average precision of the risk score, fraud (any class) vs normal/ham."""
        from sklearn.metrics import average_precision_score

        gold = [0 if row.label in NEGATIVE_CLASSES else 1 for row in self.rows]
        return float(average_precision_score(gold, [row.risk for row in self.rows]))

    def classes(self) -> list[str]:
        """Fraud classes present, by name."""
        return sorted({row.label for row in self.rows} - NEGATIVE_CLASSES)

    def top_signals(self, label: str, limit: int = 4) -> str:
        """Most frequent signal codes on a class, for the report."""
        counts = Counter(code for row in self.rows if row.label == label for code in row.codes)
        return ", ".join(f"{code} {count}" for code, count in counts.most_common(limit)) or "–"


def read_zh(path: Path) -> list[tuple[str, str]]:
    """Read `content,label` rows from the Chinese fraud CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["content"], row["label"]) for row in csv.DictReader(handle)]


def read_en(path: Path) -> list[tuple[str, str]]:
    """Read `label<TAB>text` rows from the English spam TSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["text"], row["label"]) for row in reader]


def run(detector: ScamDetector, name: str, data: list[tuple[str, str]]) -> DatasetResult:
    """Assess every message, timing each call."""
    rows: list[Scored] = []
    latencies: list[float] = []
    for text, label in data:
        start = time.perf_counter()
        assessment = detector.assess(text)
        latencies.append((time.perf_counter() - start) * 1000.0)
        rows.append(Scored(label, assessment.risk, assessment.should_warn, assessment.signal_codes()))
    return DatasetResult(name, rows, latencies)


OVERLAP_WIDTH = 30


def training_overlaps(training_texts: list[str], eval_texts: list[str], width: int = OVERLAP_WIDTH) -> list[str]:
    """Training messages that share a run of `width` characters (lower-cased) with any evaluation message.

    A guard against evaluation text leaking into the shipped training data; the report shows the count."""
    windows: set[str] = set()
    for text in eval_texts:
        lowered = " ".join(text.lower().split())
        windows.update(lowered[i : i + width] for i in range(len(lowered) - width + 1))
    leaked = []
    for text in training_texts:
        lowered = " ".join(text.lower().split())
        if any(lowered[i : i + width] in windows for i in range(len(lowered) - width + 1)):
            leaked.append(text)
    return leaked


def read_nlu_examples(nlu_dir: Path = NLU_DIR) -> list[tuple[str, str]]:
    """(intent, text) for every example in our own NLU training files, entity annotations removed."""
    examples: list[tuple[str, str]] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("nlu") or []:
            if "intent" not in entry:
                continue
            for line in str(entry.get("examples", "")).splitlines():
                stripped = line.strip()
                if stripped.startswith("- "):
                    examples.append((str(entry["intent"]), _ANNOTATION.sub(r"\1", stripped[2:]).strip()))
    return examples


@dataclass
class FarmerTurns:
    """Warnings on our own NLU examples: farmer chat turns (must be 0) and turns that describe or quote a scam."""

    chat_total: int
    chat_warned: list[str]
    scam_talk_total: int
    scam_talk_warned: int


def check_farmer_turns(detector: ScamDetector, examples: list[tuple[str, str]]) -> FarmerTurns:
    """Score every NLU example; a warning on a turn that is not about a scam is a false warning."""
    chat = [text for intent, text in examples if intent not in SCAM_TALK_INTENTS]
    talk = [text for intent, text in examples if intent in SCAM_TALK_INTENTS]
    return FarmerTurns(
        chat_total=len(chat),
        chat_warned=[text for text in chat if detector.assess(text).should_warn],
        scam_talk_total=len(talk),
        scam_talk_warned=sum(detector.assess(text).should_warn for text in talk),
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def render_new_kinds(scores: list[KindScore], leaked: int) -> list[str]:
    """The report section on the blind-written new-kinds set (dev and test splits)."""
    return [
        "## New scam kinds (blind-written set, `knowledge/scam/eval/new_kinds.yaml`)",
        "",
        "Written by a separate writer who saw only the list of kinds: single SMS and pasted chats per kind, plus "
        "legitimate messages on the same subjects. Split deterministically (every other item per kind and form, "
        "in id order); rules and training text were tuned looking at dev only, test is reported as it falls.",
        "",
        *render_kinds(scores),
        "",
        f"Leak check: {leaked} training messages share a {OVERLAP_WIDTH}-character run with this set.",
        "",
    ]


def render_farmer_turns(turns: FarmerTurns) -> list[str]:
    """The report lines on our own NLU examples."""
    lines = [
        f"Farmer chat turns (our NLU examples outside {', '.join(sorted(SCAM_TALK_INTENTS))}): "
        f"{len(turns.chat_warned)} of {turns.chat_total} get a scam warning (must be 0). "
        f"Turns that describe or quote a scam ({', '.join(sorted(SCAM_TALK_INTENTS))}): "
        f"{turns.scam_talk_warned} of {turns.scam_talk_total} warned (expected for most).",
        "",
    ]
    lines.extend(f"- falsely warned: {text}" for text in turns.chat_warned)
    return lines


def render(
    results: list[DatasetResult],
    train_seconds: float,
    leaked: int | None = None,
    load: float | None = None,
    extra: list[str] | None = None,
) -> str:
    """Render the Markdown report."""
    latencies = [value for result in results for value in result.latencies_ms]
    p50, p95 = statistics.median(latencies), _percentile(latencies, 0.95)
    lines = [
        "# Scam detector — evaluation on the shared dev sets",
        "",
        "Generated by `python -m knowledge.scam.evaluate --write` on "
        f"{dt.date.today().isoformat()}. The data is research-only and is read from `../shared/eval`; "
        "it is never used for training or tuning (the model learns only from `knowledge/scam/data/train_*.tsv`).",
        "",
        "Operating point: a message counts as flagged at level **medium or above** "
        f"(risk ≥ {LEVEL_THRESHOLDS['medium']}).",
        "",
        "| dataset | class | n | recall / FPR | target | |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        for label in result.classes():
            target = RECALL_TARGETS.get(label, DEFAULT_RECALL_TARGET)
            value = result.recall(label)
            count = sum(row.label == label for row in result.rows)
            lines.append(
                f"| {result.name} | {label} (recall) | {count} | {value:.3f} | ≥ {target} | {_mark(value >= target)} |"
            )
        fpr = result.false_positive_rate()
        negatives = sum(row.label in NEGATIVE_CLASSES for row in result.rows)
        lines.append(
            f"| {result.name} | normal/ham (false-positive rate) | {negatives} | {fpr:.3f} | ≤ {FPR_TARGET} | "
            f"{_mark(fpr <= FPR_TARGET)} |"
        )
        lines.append(f"| {result.name} | PR-AUC (fraud vs normal) | {len(result.rows)} | {result.pr_auc():.3f} | – | |")
    lines += [
        "",
        f"Latency per message (both sets, {len(latencies)} messages, model warm): p50 {p50:.2f} ms, "
        f"p95 {p95:.2f} ms (target p95 ≤ {P95_TARGET_MS} ms) {_mark(p95 <= P95_TARGET_MS)}. "
        f"Training/loading the model took {train_seconds:.1f} s."
        + (
            f" Host one-minute load average while measuring: {load:.1f} on {os.cpu_count()} cores "
            "(latency grows with it)."
            if load is not None
            else ""
        ),
        "",
        *(
            [
                f"Leak check: {leaked} training messages share a {OVERLAP_WIDTH}-character run with an "
                "evaluation message.",
                "",
            ]
            if leaked is not None
            else []
        ),
        "Most frequent rule signals per class (counts):",
        "",
    ]
    for result in results:
        for label in [*result.classes(), *sorted({row.label for row in result.rows} & NEGATIVE_CLASSES)]:
            lines.append(f"- {result.name} / {label}: {result.top_signals(label)}")
    lines.append("")
    lines.extend(extra or [])
    return "\n".join(lines)


def _warns(detector: ScamDetector, text: str) -> tuple[bool, list[str]]:
    assessment = detector.assess(text)
    return assessment.should_warn, assessment.signal_codes()


NARRATIVE_MARK = "<!-- narrative: kept by --write -->"


def _narrative() -> str:
    """The hand-written part of EVAL.md (from its marker on), kept when the figures are regenerated."""
    if not EVAL_MD.exists():
        return ""
    text = EVAL_MD.read_text(encoding="utf-8")
    index = text.find(NARRATIVE_MARK)
    return "\n" + text[index:] if index >= 0 else ""


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; print the report and optionally write EVAL.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, help="folder with the shared dev sets")
    parser.add_argument("--write", action="store_true", help=f"write the report to {EVAL_MD.name}")
    parser.add_argument("--rules-only", action="store_true", help="evaluate without the learned model")
    args = parser.parse_args(argv)
    zh_path, en_path = args.eval_dir / ZH_FILE, args.eval_dir / EN_FILE
    if not zh_path.exists() or not en_path.exists():
        print(f"skipped: shared evaluation data not found in {args.eval_dir} (it is not part of a user's clone)")
        return 0
    detector = ScamDetector.default(with_model=not args.rules_only)
    start = time.perf_counter()
    detector.warm_up()
    train_seconds = time.perf_counter() - start
    zh_rows, en_rows = read_zh(zh_path), read_en(en_path)
    results = [run(detector, "zh", zh_rows), run(detector, "en", en_rows)]
    training = [row.text for path in DEFAULT_TRAINING_FILES for row in read_training_file(path)]
    leaked = training_overlaps(training, [text for text, _ in zh_rows + en_rows])
    load = _load()
    extra: list[str] = []
    if NEW_KINDS_FILE.exists():
        items = load_kind_items()
        scores = score_items(items, lambda text: _warns(detector, text))
        extra += render_new_kinds(scores, len(training_overlaps(training, [item.text for item in items])))
    if NLU_DIR.exists():
        extra += render_farmer_turns(check_farmer_turns(detector, read_nlu_examples()))
    narrative = _narrative()
    report = render(results, train_seconds, len(leaked), load, extra) + narrative
    print(report)
    if args.write:
        EVAL_MD.write_text(report, encoding="utf-8")
        print(f"written: {EVAL_MD}")
    return 0


def misses(result: DatasetResult) -> dict[str, int]:
    """Count misses per class (for quick diagnostics in a shell)."""
    counts: dict[str, int] = defaultdict(int)
    for row in result.rows:
        wrong = row.flagged if row.label in NEGATIVE_CLASSES else not row.flagged
        counts[row.label] += int(wrong)
    return dict(counts)


if __name__ == "__main__":
    sys.exit(main())
