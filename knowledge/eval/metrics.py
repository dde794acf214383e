"""Ranking and rate metrics for the evaluation table."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np


def first_hit(ranked: Sequence[tuple[str, str]], golds: Sequence[tuple[str, str]], *, by_doc: bool) -> int | None:
    """1-based rank of the first result matching a gold (by doc+locator, or by doc alone), None when absent."""
    wanted = {doc for doc, _ in golds} if by_doc else set(golds)
    for rank, (doc, locator) in enumerate(ranked, start=1):
        if (doc if by_doc else (doc, locator)) in wanted:
            return rank
    return None


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose first gold hit is within the top k."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank (0 for questions with no hit in the list)."""
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks) if ranks else 0.0


def rate(flags: Sequence[bool]) -> float:
    """Share of True values (0 for an empty sequence)."""
    return sum(flags) / len(flags) if flags else 0.0


def percentiles_ms(seconds: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 of durations in seconds, returned in milliseconds."""
    if not seconds:
        return 0.0, 0.0
    values = np.asarray(seconds, dtype=np.float64) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def contains_fact(text: str, fact: str) -> bool:
    """Whether an answer contains the key fact, ignoring case, spaces and thousands separators.

    A fact that starts or ends with a digit must not run into other digits ("3年" is not found in "2023年")."""

    def fold(value: str) -> str:
        return value.lower().replace(" ", "").replace(",", "").replace("，", "")

    wanted = fold(fact)
    if not wanted:
        return False
    before = r"(?<![0-9])" if wanted[0].isdigit() else ""
    after = r"(?![0-9])" if wanted[-1].isdigit() else ""
    return re.search(before + re.escape(wanted) + after, fold(text)) is not None
