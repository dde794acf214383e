"""Replays the transcript corrector over the recogniser's cached output (EVAL.json "raw"), without the recogniser.

    python -m bot.voice.eval.replay [--no-context] [--show] [--price exact_cost=6 ...]

Prints the CER before and after the corrector per half (odd: tuning, even: held out), so corrector changes can be
tried in seconds. Light: the knowledge index's chunk text for the domain speller and the corrector's language model.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from bot.settings import BotSettings
from knowledge.transcripts import TranscriptCorrector, character_error_rate

EVAL_JSON = Path(__file__).resolve().parent.parent / "EVAL.json"


def _speller(index_dir: Path) -> Callable[[str], str]:
    """The knowledge base's domain speller, built from the index's chunk text as the retriever builds it."""
    from knowledge.index import KnowledgeIndex
    from knowledge.retriever import _vocabulary_texts
    from knowledge.scope import NEIGHBOUR_TERMS
    from knowledge.spelling import DomainSpeller

    index = KnowledgeIndex.load(index_dir, mmap=True)
    return DomainSpeller.from_texts(_vocabulary_texts(index), known=NEIGHBOUR_TERMS).correct


def main(argv: list[str] | None = None) -> None:
    """Replay the corrector and print CER per half."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--no-context", action="store_true", help="without the context (language model) corrector")
    parser.add_argument("--show", action="store_true", help="print every clip whose corrected text changed")
    parser.add_argument("--price", action="append", default=[], help="a channel price, e.g. exact_cost=5")
    parser.add_argument(
        "--sentences",
        type=Path,
        help="also count how many of these correct sentences (Rasa NLU YAML examples) the corrector changes",
    )
    args = parser.parse_args(argv)
    clips = json.loads(EVAL_JSON.read_text(encoding="utf-8"))["clips"]
    prices = {k: float(v) for k, v in (p.split("=", 1) for p in args.price)}
    started = time.perf_counter()
    spell = _speller(BotSettings().resolved_index_dir)
    corrector = TranscriptCorrector(spell, context=not args.no_context, context_prices=prices or None)
    corrector.correct("预热")
    built = time.perf_counter() - started
    sums: dict[str, list[float]] = {}
    started = time.perf_counter()
    for clip in clips:
        ref = clip["reference"]
        after = corrector.correct(clip["raw"]) if clip["clear"] else ""
        before = character_error_rate(ref, corrector.simplified(clip["raw"]))
        cer = character_error_rate(ref, after)
        for key in (clip["half"], "all"):
            sums.setdefault(key, []).append(cer)
            sums.setdefault(key + " before", []).append(before)
        if args.show and after != clip["corrected"]:
            was = clip["corrected"]
            print(f"{clip['id']} {clip['half']} {clip['cer_after']:.2f}→{cer:.2f} {ref} | {was} → {after}")
    took = time.perf_counter() - started
    for key in ("odd", "even", "all"):
        said, heard = sums[key + " before"], sums[key]
        print(f"{key}: {sum(said) / len(said):.3f} → {sum(heard) / len(heard):.3f} ({len(heard)} clips)")
    print(f"built in {built:.2f} s, {took / len(clips) * 1000:.1f} ms per clip")
    if args.sentences:
        _changed_sentences(corrector, TranscriptCorrector(spell, context=False), args.sentences)


def _changed_sentences(corrector: TranscriptCorrector, speller_only: TranscriptCorrector, source: Path) -> None:
    """Print the Chinese examples of NLU YAML files the context corrector changes beyond what the speller does
    (they are spelt right, but for a few typing slips on purpose)."""
    import re

    import yaml

    files = sorted(source.glob("*.yml")) if source.is_dir() else [source]
    sentences = []
    for path in files:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip().removeprefix("- "))
                if re.search(r"[\u4e00-\u9fff]", text):
                    sentences.append(text)
    changed = [(speller_only.correct(s), corrector.correct(s)) for s in sentences]
    changed = [(s, c) for s, c in changed if s != c]
    for before, after in changed:
        print(f"changed: {before} → {after}")
    print(f"{len(changed)} of {len(sentences)} sentences changed by the context corrector")


if __name__ == "__main__":
    main()
