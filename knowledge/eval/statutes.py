"""`python -m knowledge.eval.statutes`: are statute articles found, and do guides still answer farmers first?

Builds a temporary index from knowledge/corpus plus the FICTIONAL statutes in knowledge/eval/statutes/ (test
material written for this evaluation, not real laws) and asks the questions in statute_questions.yaml:

- article questions: is the gold article among the first 5 (and first) passages; is a question that asks for
  the law answered from that article;
- guide questions (farmers' questions a guide answers): is the answer still taken from a guide, how often does
  it add a legal-basis line, and does the line cite the article that says the same thing;
- unmatched questions (asking for the law on a subject no fictional statute covers): how many are answered from
  a statute article anyway.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.lang import Lang
from knowledge.answer_types import Answer
from knowledge.eval.golden import GoldenSetError
from knowledge.eval.metrics import rate, recall_at
from knowledge.legal_basis import article_in, asks_for_law
from knowledge.types import Passage

EVAL_DIR = Path(__file__).resolve().parent
STATUTE_DIR = EVAL_DIR / "statutes"
QUESTIONS_FILE = EVAL_DIR / "statute_questions.yaml"
REPO_ROOT = EVAL_DIR.parent.parent
DEPTH = 10
BASIS_PREFIXES = ("依据：", "Legal basis:")


@dataclass(frozen=True)
class ArticleQuestion:
    """A question about one article: who asks it (farmer or operator) and the gold (doc_id, article)."""

    question: str
    lang: Lang
    who: str
    doc: str
    article: str


@dataclass(frozen=True)
class GuideQuestion:
    """A farmer's question a guide answers, with the fictional article that says the same thing, if any."""

    question: str
    lang: Lang
    guide: str
    basis: tuple[str, str] | None = None


@dataclass
class ArticleResult:
    """Rank of the gold article and what the answer was taken from."""

    item: ArticleQuestion
    rank: int | None
    answered_from: str = ""
    from_gold: bool = False


@dataclass
class GuideResult:
    """What a guide question's answer was taken from and the legal-basis line it carries ("" when none)."""

    item: GuideQuestion
    answered_from: str
    from_guide: bool
    basis_line: str = ""
    basis_right: bool = False
    statutes_seen: list[str] = field(default_factory=list)


def load_unmatched(path: Path = QUESTIONS_FILE) -> list[tuple[str, Lang]]:
    """The law questions on subjects no fictional statute covers: (question, language) pairs."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(str(row["q"]), row["lang"]) for row in (raw.get("unmatched") or [])]


def unmatched_from_statute(service: Any, questions: Sequence[tuple[str, Lang]]) -> list[bool]:
    """For each question, whether its answer was taken from a statute article."""
    flags = []
    for question, lang in questions:
        source = answer_source(service.answer(question, lang=lang))
        flags.append(source is not None and source.chunk.doc.is_statute)
    return flags


def load_questions(path: Path = QUESTIONS_FILE) -> tuple[list[ArticleQuestion], list[GuideQuestion]]:
    """Read the article and guide questions; GoldenSetError names the first bad row."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise GoldenSetError(f"{path}: cannot read the questions ({type(err).__name__})") from err
    if not isinstance(raw, dict):
        raise GoldenSetError(f"{path}: needs `articles:` and `guides:` lists")
    articles, guides = [], []
    for position, row in enumerate(raw.get("articles") or [], start=1):
        try:
            articles.append(ArticleQuestion(row["q"], row["lang"], row["who"], row["doc"], row["article"]))
        except (KeyError, TypeError) as err:
            raise GoldenSetError(f"{path}: article question {position} lacks {err}") from err
    for position, row in enumerate(raw.get("guides") or [], start=1):
        try:
            basis = (str(row["basis"][0]), str(row["basis"][1])) if row.get("basis") else None
            guides.append(GuideQuestion(row["q"], row["lang"], row["guide"], basis))
        except (KeyError, TypeError) as err:
            raise GoldenSetError(f"{path}: guide question {position} lacks {err}") from err
    return articles, guides


def article_rank(passages: Sequence[Passage], doc: str, article: str) -> int | None:
    """1-based rank of the first passage of the gold article, None when it is not among them."""
    for rank, passage in enumerate(passages, start=1):
        if passage.doc_id == doc and article_in(passage.locator) == article:
            return rank
    return None


def answer_source(answer: Answer) -> Passage | None:
    """The retrieved passage the answer was cut from (matched by title and locator), None when abstaining."""
    if not answer.confident or not answer.sources:
        return None
    source = answer.sources[0]
    for passage in answer.passages:
        if passage.title == source.title and passage.locator == source.locator:
            return passage
    return None


def basis_line(answer: Answer) -> str:
    """The answer's legal-basis line, "" when it has none."""
    return next((line for line in answer.text.splitlines() if line.startswith(BASIS_PREFIXES)), "")


def evaluate_statutes(
    service: Any, articles: Sequence[ArticleQuestion], guides: Sequence[GuideQuestion], titles: dict[str, str]
) -> tuple[list[ArticleResult], list[GuideResult]]:
    """Run every question through retrieval and the answer service; `titles` maps statute doc_id to title."""
    service.warm_up()
    article_results = []
    for item in articles:
        passages = service.retriever.search(item.question, DEPTH, lang=item.lang)
        result = ArticleResult(item, article_rank(passages, item.doc, item.article))
        source = answer_source(service.answer(item.question, lang=item.lang))
        if source is not None:
            result.answered_from = f"{source.doc_id}#{source.locator}"
            result.from_gold = source.doc_id == item.doc and article_in(source.locator) == item.article
        article_results.append(result)
    guide_results = []
    for g in guides:
        answer = service.answer(g.question, lang=g.lang)
        source = answer_source(answer)
        line = basis_line(answer)
        right = False
        if line and g.basis is not None:
            doc, article = g.basis
            right = titles.get(doc, "\0") in line and (article in line or _english_article(article) in line)
        guide_results.append(
            GuideResult(
                g,
                answered_from=f"{source.doc_id}#{source.locator}" if source else "(abstained)",
                from_guide=source is not None and not source.chunk.doc.is_statute,
                basis_line=line,
                basis_right=right,
                statutes_seen=[
                    f"{p.doc_id}#{p.locator} {p.score:.2f}" for p in answer.passages if p.chunk.doc.is_statute
                ],
            )
        )
    return article_results, guide_results


def _english_article(article: str) -> str:
    from knowledge.articles import parse_article

    number = parse_article(article)
    return f"Article {number.english()}" if number else article


def summarise(articles: Sequence[ArticleResult], guides: Sequence[GuideResult]) -> dict[str, float | int]:
    """The figures the report prints."""
    figures: dict[str, float | int] = {"article_questions": len(articles)}
    figures["article_r1"] = recall_at([r.rank for r in articles], 1)
    figures["article_r5"] = recall_at([r.rank for r in articles], 5)
    for key, subset in (
        ("farmer", [r for r in articles if r.item.who == "farmer"]),
        ("operator", [r for r in articles if r.item.who == "operator"]),
        ("zh", [r for r in articles if r.item.lang == "zh"]),
        ("en", [r for r in articles if r.item.lang == "en"]),
    ):
        figures[f"{key}_questions"] = len(subset)
        figures[f"{key}_r5"] = recall_at([r.rank for r in subset], 5)
    law = [r for r in articles if asks_for_law(r.item.question)]
    figures["law_questions"] = len(law)
    figures["law_answered_from_gold"] = rate([r.from_gold for r in law])
    figures["guide_questions"] = len(guides)
    figures["guide_answered_from_guide"] = rate([g.from_guide for g in guides])
    figures["basis_line_rate"] = rate([bool(g.basis_line) for g in guides])
    with_line = [g for g in guides if g.basis_line]
    figures["basis_lines"] = len(with_line)
    figures["basis_precision"] = rate([g.basis_right for g in with_line])
    expected = [g for g in guides if g.item.basis is not None]
    figures["basis_expected"] = len(expected)
    figures["basis_recall"] = rate([g.basis_right for g in expected])
    return figures


def render(figures: dict[str, float | int]) -> str:
    """The Markdown table printed (and written with --write)."""
    f = figures
    rows = [
        ("article questions", f"{f['article_questions']}"),
        ("gold article at rank ≤ 5", f"{f['article_r5']:.3f}"),
        ("gold article at rank 1", f"{f['article_r1']:.3f}"),
        (f"rank ≤ 5, farmers' words ({f['farmer_questions']})", f"{f['farmer_r5']:.3f}"),
        (f"rank ≤ 5, operators' words ({f['operator_questions']})", f"{f['operator_r5']:.3f}"),
        (f"rank ≤ 5, zh ({f['zh_questions']}) / en ({f['en_questions']})", f"{f['zh_r5']:.3f} / {f['en_r5']:.3f}"),
        (
            f"questions asking for the law ({f['law_questions']}) answered from the gold article",
            f"{f['law_answered_from_gold']:.3f}",
        ),
        ("guide questions (farmers)", f"{f['guide_questions']}"),
        ("guide questions answered from a guide", f"{f['guide_answered_from_guide']:.3f}"),
        ("guide answers with a legal-basis line", f"{f['basis_line_rate']:.3f}"),
        (f"legal-basis lines citing the expected article ({f['basis_lines']} lines)", f"{f['basis_precision']:.3f}"),
        (
            f"questions with an expected article ({f['basis_expected']}) that got it cited",
            f"{f['basis_recall']:.3f}",
        ),
    ]
    if "unmatched_questions" in f:
        rows.append(
            (
                f"law questions no statute covers ({f['unmatched_questions']}) answered from a statute anyway",
                f"{f['unmatched_from_statute']:.3f}",
            )
        )
    return "\n".join(["| metric | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]) + "\n"


def failures(articles: Sequence[ArticleResult], guides: Sequence[GuideResult]) -> list[str]:
    """Lines describing article questions that missed rank 1 and every guide question's outcome."""
    out = [
        f"rank={r.rank} answered={r.answered_from} | {r.item.question} | gold {r.item.doc}#{r.item.article}"
        for r in articles
        if r.rank != 1 or (asks_for_law(r.item.question) and not r.from_gold)
    ]
    for g in guides:
        out.append(
            f"guide={'ok' if g.from_guide else 'NO'} basis={g.basis_line or '-'} "
            f"right={g.basis_right} | {g.item.question} | from {g.answered_from} | statutes {g.statutes_seen}"
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Build the temporary index (or open one), run the questions and print the table."""
    from knowledge.evaluate import embedder_for, evaluation_index
    from knowledge.index import KnowledgeIndex
    from knowledge.service import knowledge_service_for

    parser = argparse.ArgumentParser(prog="python -m knowledge.eval.statutes", description=__doc__)
    parser.add_argument("--index", type=Path, help="evaluate this built index (it must hold the statutes)")
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "knowledge" / "corpus")
    parser.add_argument("--model", help="embedding model path (default: the bot's configured model)")
    parser.add_argument("--failures", action="store_true", help="list misses and every guide question's outcome")
    parser.add_argument("--write", action="store_true", help="write knowledge/eval/STATUTES.md")
    args = parser.parse_args(argv)

    articles, guides = load_questions()
    embedder = embedder_for(args.model)
    with evaluation_index(args.index, args.corpus, embedder, extra_sources=[STATUTE_DIR]) as index_dir:
        index = KnowledgeIndex.load(index_dir)
        titles = {c.doc.doc_id: c.doc.title for c in index.chunks if c.doc.is_statute}
        service = knowledge_service_for(index_dir, embedder)
        article_results, guide_results = evaluate_statutes(service, articles, guides, titles)
        unmatched = unmatched_from_statute(service, load_unmatched())
    figures = summarise(article_results, guide_results)
    figures["unmatched_questions"] = len(unmatched)
    figures["unmatched_from_statute"] = rate(unmatched)
    table = render(figures)
    print(table)
    if args.failures:
        print("\n".join(failures(article_results, guide_results)))
    if args.write:
        header = (
            "# Statute evaluation report\n\n"
            "Written by `python -m knowledge.eval.statutes --write`: knowledge/corpus plus the fictional statutes in "
            "`knowledge/eval/statutes/`, questions in `statute_questions.yaml`.\n\n"
        )
        (EVAL_DIR / "STATUTES.md").write_text(header + table, encoding="utf-8")
        print(f"wrote {EVAL_DIR / 'STATUTES.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
