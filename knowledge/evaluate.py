"""`python -m knowledge.evaluate`: retrieval, answer, abstention and latency figures on the golden set."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import NonghuiSettings
from knowledge.eval.golden import (
    CALIBRATION_OOS_EN_FILE,
    GOLDEN_FILE,
    GoldenQuestion,
    calibration_oos_questions,
    clinc_oos_questions,
    load_golden,
)
from knowledge.eval.metrics import contains_fact, first_hit, mrr, percentiles_ms, rate, recall_at
from knowledge.types import Embedder

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
REPORT_DIR = Path(__file__).resolve().parent / "eval"
MODES = ("bm25", "dense", "hybrid")
MODE_LABEL = {"bm25": "BM25", "dense": "dense", "hybrid": "fused"}
SYNTHETIC_CHUNKS = 10_000
DEPTH = 10
SPLIT_COLUMNS: tuple[tuple[str, str | None], ...] = (("dev", "dev"), ("test", "test"), ("all", None))


@dataclass
class QuestionResult:
    """What one golden question got: per-mode ranks, the answer verdicts and timings."""

    question: GoldenQuestion
    ranks: dict[str, int | None] = field(default_factory=dict)
    doc_ranks: dict[str, int | None] = field(default_factory=dict)
    confident: bool = False
    has_fact: bool = False
    answer_text: str = ""
    top: str = ""
    search_seconds: float = 0.0
    answer_seconds: float = 0.0


@dataclass
class Evaluation:
    """All figures of one run, ready for the table and the JSON report."""

    results: list[QuestionResult]
    clinc_oos: list[bool] | None
    synthetic_seconds: list[float]
    synthetic_chunks: int
    index_chunks: int
    settings: dict[str, Any]
    load: tuple[float, float] | None = None
    calibration_oos: list[bool] | None = None
    calibration_oos_en: list[bool] | None = None


def evaluate(
    service_factory: Callable[[Path], Any],
    index_dir: Path,
    golden: Sequence[GoldenQuestion],
    *,
    eval_dir: Path | None = DEFAULT_EVAL_DIR,
    synthetic_chunks: int = SYNTHETIC_CHUNKS,
    calibration_oos: Sequence[str] | None = None,
    calibration_oos_en: Sequence[str] | None = None,
) -> Evaluation:
    """Run every golden question through retrieval (three modes) and the answer service, then the OOS checks.

    `calibration_oos` / `calibration_oos_en` are extra Chinese / English out-of-scope questions (the confidence
    rules' calibration sets)."""
    load_before = host_load()
    service = service_factory(index_dir)
    service.warm_up()
    retriever = service.retriever
    results = []
    for item in golden:
        result = QuestionResult(item)
        for mode in MODES:
            started = time.perf_counter()
            passages = retriever.search(item.question, DEPTH, lang=item.lang, mode=mode)
            if mode == "hybrid":
                result.search_seconds = time.perf_counter() - started
            ranked = [(p.doc_id, p.locator) for p in passages]
            result.ranks[mode] = first_hit(ranked, item.golds, by_doc=False)
            result.doc_ranks[mode] = first_hit(ranked, item.golds, by_doc=True)
        started = time.perf_counter()
        answer = service.answer(item.question, lang=item.lang)
        result.answer_seconds = time.perf_counter() - started
        result.confident = answer.confident
        result.answer_text = answer.text
        result.has_fact = answer.confident and contains_fact(answer.text, item.fact)
        result.top = f"{answer.passages[0].doc_id}#{answer.passages[0].locator}" if answer.passages else ""
        results.append(result)
    clinc = clinc_oos_questions(eval_dir) if eval_dir is not None else None
    clinc_abstained = [not service.answer(q, lang="en").confident for q in clinc] if clinc is not None else None
    calibration = [not service.answer(q, lang="zh").confident for q in calibration_oos] if calibration_oos else None
    calibration_en = (
        [not service.answer(q, lang="en").confident for q in calibration_oos_en] if calibration_oos_en else None
    )
    synthetic_seconds: list[float] = []
    written = 0
    if synthetic_chunks:
        written, synthetic_seconds = _synthetic_latency(service_factory, retriever, golden, synthetic_chunks)
    return Evaluation(
        results=results,
        clinc_oos=clinc_abstained,
        synthetic_seconds=synthetic_seconds,
        synthetic_chunks=written,
        index_chunks=len(retriever.index.chunks),
        settings=service.describe() if hasattr(service, "describe") else {},
        load=_load_span(load_before, host_load()),
        calibration_oos=calibration,
        calibration_oos_en=calibration_en,
    )


def host_load() -> float | None:
    """The host's one-minute load average (None where the platform has none); latency figures depend on it."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _load_span(before: float | None, after: float | None) -> tuple[float, float] | None:
    return (before, after) if before is not None and after is not None else None


def _synthetic_latency(
    service_factory: Callable[[Path], Any], retriever: Any, golden: Sequence[GoldenQuestion], total: int
) -> tuple[int, list[float]]:
    """Search latency (hybrid, query embedding included) on the index enlarged with synthetic chunks."""
    from knowledge.eval.synthetic import enlarge_index

    with tempfile.TemporaryDirectory(prefix="nonghui-synthetic-") as tmp:
        written = enlarge_index(retriever.index, Path(tmp), total)
        big = service_factory(Path(tmp)).retriever
        big.warm_up()
        seconds = []
        for item in golden:
            started = time.perf_counter()
            big.search(item.question, 5, lang=item.lang)
            seconds.append(time.perf_counter() - started)
    return written, seconds


def summarise(evaluation: Evaluation, split: str | None) -> dict[str, float | int | None]:
    """Figures for one split ("dev", "test") or all questions (None)."""
    rows = [r for r in evaluation.results if split is None or r.question.split == split]
    inscope = [r for r in rows if not r.question.out_of_scope]
    oos = [r for r in rows if r.question.out_of_scope]
    figures: dict[str, float | int | None] = {"questions": len(inscope), "oos_questions": len(oos)}
    for mode in MODES:
        ranks = [r.ranks[mode] for r in inscope]
        doc_ranks = [r.doc_ranks[mode] for r in inscope]
        figures[f"{mode}_r1"] = recall_at(ranks, 1)
        figures[f"{mode}_r5"] = recall_at(ranks, 5)
        figures[f"{mode}_mrr"] = mrr(ranks)
        figures[f"{mode}_doc_r1"] = recall_at(doc_ranks, 1)
        figures[f"{mode}_doc_r5"] = recall_at(doc_ranks, 5)
        figures[f"{mode}_doc_mrr"] = mrr(doc_ranks)
    figures["key_fact_rate"] = rate([r.has_fact for r in inscope])
    figures["false_abstention"] = rate([not r.confident for r in inscope])
    figures["oos_abstention_zh"] = rate([not r.confident for r in oos]) if oos else None
    for lang in ("zh", "en"):
        subset = [r for r in inscope if r.question.lang == lang]
        figures[f"hybrid_r5_{lang}"] = recall_at([r.ranks["hybrid"] for r in subset], 5)
        figures[f"key_fact_rate_{lang}"] = rate([r.has_fact for r in subset])
    tagged = [r for r in inscope if r.question.tags]
    figures["hybrid_r5_typo_dialect"] = recall_at([r.ranks["hybrid"] for r in tagged], 5)
    figures["search_p50_ms"], figures["search_p95_ms"] = percentiles_ms([r.search_seconds for r in inscope])
    figures["answer_p50_ms"], figures["answer_p95_ms"] = percentiles_ms([r.answer_seconds for r in rows])
    return figures


def render_table(evaluation: Evaluation, only: str | None = None) -> str:
    """The Markdown table printed and written to REPORT.md (`only`: that split's column alone)."""
    splits = [(name, split) for name, split in SPLIT_COLUMNS if only is None or split == only]
    columns = {name: summarise(evaluation, split) for name, split in splits}

    def fmt(key: str, kind: str = "rate") -> str:
        cells = []
        for name in columns:
            value = columns[name][key]
            if value is None:
                cells.append("n/a")
            elif kind == "ms":
                cells.append(f"{value:.1f}")
            elif kind == "int":
                cells.append(str(value))
            else:
                cells.append(f"{value:.3f}")
        return " | ".join(cells)

    lines = ["| metric | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines.append(f"| in-scope questions | {fmt('questions', 'int')} |")
    for by, prefix in (("doc+locator", ""), ("doc", "doc_")):
        for mode in MODES:
            label = MODE_LABEL[mode]
            lines.append(f"| {label} Recall@1 ({by}) | {fmt(f'{mode}_{prefix}r1')} |")
            lines.append(f"| {label} Recall@5 ({by}) | {fmt(f'{mode}_{prefix}r5')} |")
            lines.append(f"| {label} MRR@{DEPTH} ({by}) | {fmt(f'{mode}_{prefix}mrr')} |")
    lines.append(f"| fused Recall@5, zh questions | {fmt('hybrid_r5_zh')} |")
    lines.append(f"| fused Recall@5, en questions | {fmt('hybrid_r5_en')} |")
    lines.append(f"| fused Recall@5, typo/dialect questions | {fmt('hybrid_r5_typo_dialect')} |")
    lines.append(f"| answer contains key fact | {fmt('key_fact_rate')} |")
    lines.append(f"| answer contains key fact, zh | {fmt('key_fact_rate_zh')} |")
    lines.append(f"| answer contains key fact, en | {fmt('key_fact_rate_en')} |")
    lines.append(f"| false abstention (in-scope) | {fmt('false_abstention')} |")
    lines.append(f"| zh out-of-scope questions | {fmt('oos_questions', 'int')} |")
    lines.append(f"| out-of-scope abstention, zh (golden oos) | {fmt('oos_abstention_zh')} |")
    lines.append(f"| search latency p50 ms ({evaluation.index_chunks} chunks) | {fmt('search_p50_ms', 'ms')} |")
    lines.append(f"| search latency p95 ms ({evaluation.index_chunks} chunks) | {fmt('search_p95_ms', 'ms')} |")
    lines.append(f"| answer latency p50 ms | {fmt('answer_p50_ms', 'ms')} |")
    lines.append(f"| answer latency p95 ms | {fmt('answer_p95_ms', 'ms')} |")
    text = "\n".join(lines)
    extra = []
    if evaluation.clinc_oos is None:
        extra.append("CLINC150 oos: skipped (../shared/eval/en_clinc150_val_finance_smalltalk_oos.csv not found)")
    else:
        extra.append(
            f"CLINC150 oos abstention (en): {rate(evaluation.clinc_oos):.3f} on {len(evaluation.clinc_oos)} questions"
        )
    if evaluation.calibration_oos is not None:
        extra.append(
            f"out-of-scope abstention on the zh calibration set (`oos_zh_calibration.txt`): "
            f"{rate(evaluation.calibration_oos):.3f} on {len(evaluation.calibration_oos)} questions"
        )
    if evaluation.calibration_oos_en is not None:
        extra.append(
            f"out-of-scope abstention on the en calibration set (`oos_en_calibration.txt`): "
            f"{rate(evaluation.calibration_oos_en):.3f} on {len(evaluation.calibration_oos_en)} questions"
        )
    if evaluation.synthetic_seconds:
        p50, p95 = percentiles_ms(evaluation.synthetic_seconds)
        extra.append(
            f"search latency on a synthetic {evaluation.synthetic_chunks}-chunk index: "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"({len(evaluation.synthetic_seconds)} queries, hybrid, query embedding included)"
        )
    if evaluation.load is not None:
        extra.append(
            f"host load while measuring: one-minute load average {evaluation.load[0]:.1f} at the start, "
            f"{evaluation.load[1]:.1f} at the end, on {os.cpu_count()} cores (latency grows with the load: "
            "other processes share these cores)"
        )
    return text + "\n\n" + "\n".join(f"- {line}" for line in extra) + "\n"


def failures(evaluation: Evaluation, split: str | None = "dev", limit: int = 40) -> list[str]:
    """Lines describing questions that missed (fused rank > 1, no key fact, or wrong abstention)."""
    out = []
    for r in evaluation.results:
        if split is not None and r.question.split != split:
            continue
        q = r.question
        if q.out_of_scope:
            if r.confident:
                out.append(f"{q.qid} OOS answered: {q.question} -> {r.top}")
            continue
        if r.ranks["hybrid"] != 1 or not r.has_fact:
            out.append(
                f"{q.qid} rank={r.ranks['hybrid']} fact={'ok' if r.has_fact else 'MISSING'} "
                f"conf={r.confident} {q.question} | gold {q.golds[0][0]}#{q.golds[0][1]} | top {r.top}"
            )
    return out[:limit]


def to_json(evaluation: Evaluation) -> dict[str, Any]:
    """Machine-readable report: per-split figures, OOS and latency numbers, settings and per-question ranks."""
    return {
        "splits": {name: summarise(evaluation, split) for name, split in SPLIT_COLUMNS},
        "clinc_oos_abstention": rate(evaluation.clinc_oos) if evaluation.clinc_oos is not None else None,
        "clinc_oos_questions": len(evaluation.clinc_oos) if evaluation.clinc_oos is not None else 0,
        "calibration_oos_abstention_zh": rate(evaluation.calibration_oos) if evaluation.calibration_oos else None,
        "calibration_oos_abstention_en": (
            rate(evaluation.calibration_oos_en) if evaluation.calibration_oos_en else None
        ),
        "synthetic": {
            "chunks": evaluation.synthetic_chunks,
            "p50_ms": percentiles_ms(evaluation.synthetic_seconds)[0],
            "p95_ms": percentiles_ms(evaluation.synthetic_seconds)[1],
        },
        "index_chunks": evaluation.index_chunks,
        "host_load": list(evaluation.load) if evaluation.load is not None else None,
        "settings": evaluation.settings,
        "questions": [
            {
                "id": r.question.qid,
                "split": r.question.split,
                "ranks": r.ranks,
                "doc_ranks": r.doc_ranks,
                "confident": r.confident,
                "has_fact": r.has_fact,
                "top": r.top,
            }
            for r in evaluation.results
        ],
    }


def embedder_for(model: str | None) -> Embedder:
    """The embedder an evaluation uses: `model`, else the configured one (core/settings.py)."""
    return _default_embedder(model or NonghuiSettings().resolved_embedding_model)


@contextmanager
def evaluation_index(
    index: Path | None, corpus: Path, embedder: Embedder, *, extra_sources: Sequence[Path] = ()
) -> Iterator[Path]:
    """`index` when one is given; otherwise a temporary index built from `corpus` (and `extra_sources`), removed
    when the evaluation is done."""
    if index is not None:
        yield index
        return
    from knowledge.builder import build_from_corpus

    with tempfile.TemporaryDirectory(prefix="nonghui-eval-") as tmp:
        built = Path(tmp) / "index"
        print(f"building a temporary index from {corpus} ...", file=sys.stderr)
        report = build_from_corpus(corpus, built, embedder, extra_sources=list(extra_sources))
        for problem in report.problems:
            print(f"  ! {problem}", file=sys.stderr)
        yield built


def _default_embedder(model: str) -> Embedder:
    from knowledge.embedding.embedder import SentenceTransformerEmbedder
    from knowledge.service import DEFAULT_QUERY_THREADS

    return SentenceTransformerEmbedder(model, num_threads=DEFAULT_QUERY_THREADS)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build (or open) an index, evaluate and print the table; `--write` saves the report."""
    from knowledge.service import knowledge_service_for

    parser = argparse.ArgumentParser(prog="python -m knowledge.evaluate", description=__doc__)
    parser.add_argument("--index", type=Path, help="evaluate this built index (default: build one from the corpus)")
    parser.add_argument("--write", action="store_true", help="write knowledge/eval/REPORT.md and REPORT.json")
    parser.add_argument("--golden", type=Path, default=GOLDEN_FILE)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, help="the shared eval folder (CLINC150)")
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "knowledge" / "corpus")
    parser.add_argument("--model", help="embedding model path (default: the configured model, core/settings.py)")
    parser.add_argument("--synthetic", type=int, default=SYNTHETIC_CHUNKS, help="chunks in the latency index; 0 skips")
    parser.add_argument("--failures", action="store_true", help="list the dev questions that missed")
    parser.add_argument("--split", choices=("dev", "test"), help="run only this split (tune on dev alone)")
    args = parser.parse_args(argv)
    if args.split and args.write:
        parser.error("--write needs every split")

    golden = [q for q in load_golden(args.golden) if args.split is None or q.split == args.split]
    embedder = embedder_for(args.model)
    with evaluation_index(args.index, args.corpus, embedder) as index_dir:
        if not args.eval_dir.is_dir():
            print(f"note: {args.eval_dir} not found: CLINC150 out-of-scope check skipped", file=sys.stderr)
        evaluation = evaluate(
            lambda directory: knowledge_service_for(directory, embedder),
            index_dir,
            golden,
            eval_dir=args.eval_dir if args.eval_dir.is_dir() else None,
            synthetic_chunks=args.synthetic,
            calibration_oos=calibration_oos_questions(),
            calibration_oos_en=calibration_oos_questions(CALIBRATION_OOS_EN_FILE),
        )
    table = render_table(evaluation, args.split)
    print(table)
    if args.failures and args.split != "test":
        print("\n".join(failures(evaluation, "dev", limit=200)))
    if args.write:
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        (REPORT_DIR / "REPORT.json").write_text(
            json.dumps(to_json(evaluation), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        header = (
            "# Knowledge evaluation report\n\n"
            "Written by `python -m knowledge.evaluate --write` on the golden set "
            "(`knowledge/eval/golden.yaml`; tuned on dev only).\n\n"
        )
        (REPORT_DIR / "REPORT.md").write_text(header + table, encoding="utf-8")
        print(f"wrote {REPORT_DIR / 'REPORT.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
