"""`nonghui`: the one command-line entry point for operators."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.campaigns.cli import campaign_app
from bot.settings import BotSettings
from knowledge.builder import BuildReport, Progress
from knowledge.dense_search import DenseSearchSettings
from knowledge.embedding.embedder import SentenceTransformerEmbedder

app = typer.Typer(help="Nonghui (农惠) operator commands.", no_args_is_help=True, add_completion=False)
kb = typer.Typer(help="Knowledge base: build, ingest, search, stats.", no_args_is_help=True)
app.add_typer(kb, name="kb")
app.add_typer(campaign_app, name="campaign")

CORPUS_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "corpus"
IndexOption = Annotated[Path | None, typer.Option("--index", help="Index directory (default: the bot's own).")]


def _dense_search(settings: BotSettings) -> DenseSearchSettings:
    """When the index's dense search is exact and which approximate index it uses above that size."""
    return DenseSearchSettings(exact_limit=settings.exact_search_limit, approximate=settings.approximate_index)


def _embedder(settings: BotSettings) -> SentenceTransformerEmbedder:
    """The configured sentence-transformers embedder (model converted on demand when it is the default).

    Building embeds batches on every core at once, one torch thread each (knowledge/README.md, *Capacity*)."""
    return SentenceTransformerEmbedder(settings.resolved_embedding_model, num_threads=1, workers=os.cpu_count() or 1)


class _Bar(Progress):
    """tqdm-backed progress for the builder."""

    def __init__(self, total: int, label: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=label, unit="chunk")

    def update(self, n: int) -> None:
        """Advance the bar."""
        self._bar.update(n)

    def close(self) -> None:
        """Close the bar."""
        self._bar.close()


def _print_report(report: BuildReport) -> None:
    for problem in report.problems:
        typer.secho(f"  ! {problem}", fg=typer.colors.YELLOW, err=True)
    typer.echo(
        f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}; embedded {report.embedded_chunks} chunks; "
        f"index holds {report.manifest.chunk_count if report.manifest else 0} chunks"
    )


@kb.command("build")
def kb_build(
    corpus: Annotated[Path, typer.Option(help="Corpus directory.")] = CORPUS_DIR,
    index: IndexOption = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when the corpus is unchanged.")] = False,
    videos: Annotated[
        Path | None,
        typer.Option(
            help="Also index this video catalogue instead of the configured `video_catalogues` "
            "(none by default: the shipped one is SAMPLE content)."
        ),
    ] = None,
) -> None:
    """Build the index from the corpus and the configured video catalogues; does nothing when they are unchanged."""
    from knowledge.builder import build_from_corpus

    settings = BotSettings()
    started = time.perf_counter()
    report = build_from_corpus(
        corpus,
        index or settings.resolved_index_dir,
        _embedder(settings),
        force=force,
        progress=_Bar,
        extra_sources=[videos] if videos else settings.video_catalogues,
        dense_search=_dense_search(settings),
    )
    _print_report(report)
    typer.echo(f"done in {time.perf_counter() - started:.1f} s")


@kb.command("ingest")
def kb_ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to add.")],
    index: IndexOption = None,
) -> None:
    """Add or replace documents in an index (created when missing); bad files are reported and skipped."""
    from knowledge.builder import ingest_files

    settings = BotSettings()
    report = ingest_files(
        paths,
        index or settings.resolved_index_dir,
        _embedder(settings),
        progress=_Bar,
        dense_search=_dense_search(settings),
    )
    _print_report(report)
    if report.problems and not (report.added or report.replaced or report.unchanged):
        raise typer.Exit(code=1)


@kb.command("search")
def kb_search(
    query: Annotated[str, typer.Argument(help="The question.")],
    index: IndexOption = None,
    k: Annotated[int, typer.Option("-k", help="How many results.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
    lang: Annotated[str | None, typer.Option(help="Farmer's language, zh or en (ranked higher).")] = None,
    region: Annotated[str | None, typer.Option(help="Farmer's region (others ranked lower).")] = None,
) -> None:
    """Search the index and print the best passages."""
    from knowledge.retriever import HybridRetriever

    settings = BotSettings()
    retriever = HybridRetriever(index or settings.resolved_index_dir, _embedder(settings))
    if lang not in (None, "zh", "en"):
        raise typer.BadParameter("lang must be zh or en")
    if mode not in ("hybrid", "dense", "bm25"):
        raise typer.BadParameter("mode must be hybrid, dense or bm25")
    passages = retriever.search(query, k, mode=mode, lang=lang, region=region)  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = [
        {
            "rank": p.rank,
            "score": round(p.score, 6),
            "doc_id": p.doc_id,
            "title": p.title,
            "locator": p.locator,
            "text": p.text,
        }
        for p in passages
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['rank']}. [{row['score']:.4f}] 《{row['title']}》 {row['locator']}\n   {row['text'][:120]}")


@kb.command("stats")
def kb_stats(index: IndexOption = None) -> None:
    """Show what the index holds: documents (with topic, language and kind), chunks, build date, model."""
    from collections import Counter

    from knowledge.manifest import Manifest

    settings = BotSettings()
    manifest = Manifest.load(index or settings.resolved_index_dir)
    if manifest is None:
        typer.echo("no index yet: run `nonghui kb build`")
        raise typer.Exit(code=1)
    langs = Counter(d.lang for d in manifest.documents)
    topics = Counter(d.topic for d in manifest.documents)
    kinds = Counter(d.kind for d in manifest.documents)
    typer.echo(f"documents: {len(manifest.documents)}  chunks: {manifest.chunk_count}")
    typer.echo(f"languages: {dict(langs)}  topics: {dict(topics)}  kinds: {dict(kinds)}")
    typer.echo(f"built: {manifest.built_at}  model: {manifest.model} (dim {manifest.dimension})")
    width = max((len(d.doc_id) for d in manifest.documents), default=0)
    for doc in manifest.documents:
        row = f"{doc.doc_id:<{width}}  {doc.kind:<7}  {doc.topic:<9}  {doc.lang}  {doc.chunks:>4} chunks"
        typer.echo(f"  {row}  {doc.title}")


def main() -> None:
    """Run the CLI."""
    app()


if __name__ == "__main__":
    main()
