from pathlib import Path

from docx import Document

from knowledge.builder import build_from_corpus, ingest_files
from knowledge.embedding.fake import HashingEmbedder
from knowledge.index import KnowledgeIndex
from knowledge.ingest.catalogue import DEFAULT_CATALOGUE
from knowledge.ingest.timestamps import timestamp_url
from tests.knowledge.ingest.conftest import make_pdf


def test_sample_catalogue_ingests_into_an_index_with_timed_video_chunks(tmp_path: Path):
    index_dir = tmp_path / "index"
    report = ingest_files([DEFAULT_CATALOGUE], index_dir, HashingEmbedder(dimension=64))
    assert report.problems == []
    assert len(report.added) >= 6
    index = KnowledgeIndex.load(index_dir)
    assert {c.doc.doc_id for c in index.chunks} == set(report.added)
    assert all(c.start_seconds is not None and c.locator.startswith("▶ ") for c in index.chunks)
    chunk = next(c for c in index.chunks if c.doc.doc_id == "loan-fee-scam-zh" and c.start_seconds)
    assert timestamp_url(chunk.doc.url or "", chunk.start_seconds or 0) == (
        f"https://example.org/videos/loan-fee-scam-zh?t={int(chunk.start_seconds or 0)}"
    )


def test_reingesting_an_unchanged_catalogue_embeds_nothing(tmp_path: Path):
    index_dir = tmp_path / "index"
    embedder = HashingEmbedder(dimension=64)
    ingest_files([DEFAULT_CATALOGUE], index_dir, embedder)
    report = ingest_files([DEFAULT_CATALOGUE], index_dir, embedder)
    assert report.embedded_chunks == 0
    assert report.added == []
    assert len(report.unchanged) >= 6


def test_bad_files_of_every_format_are_reported_and_the_rest_of_the_batch_goes_in(tmp_path: Path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    make_pdf(
        folder / "regulation.pdf", [["农业保险条例", "第一条 规范农业保险。", "第二条 自愿投保。", "第三条 及时赔付。"]]
    )
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    (folder / "empty.docx").write_bytes(b"")
    (folder / "latin1.html").write_bytes(b"<p>caf\xe9</p>")
    document = Document()
    document.add_heading("Claims", level=1)
    document.add_paragraph("Report losses quickly.")
    document.save(str(folder / "claims.docx"))
    (folder / "second.docx").write_bytes((folder / "claims.docx").read_bytes())
    report = ingest_files([folder], tmp_path / "index", HashingEmbedder(dimension=64))
    assert sorted(report.added) == ["claims", "regulation"]
    problems = "\n".join(report.problems)
    assert "broken.pdf: not a readable PDF" in problems
    assert "empty.docx: the file is empty" in problems
    assert "latin1.html: not UTF-8 or GBK text" in problems
    assert "second.docx: duplicate of claims.docx, skipped" in problems
    locators = {c.locator for c in KnowledgeIndex.load(tmp_path / "index").chunks}
    assert {"第一条 · p.1", "第二条 · p.1", "第三条 · p.1", "Claims"} <= locators


def test_same_video_id_in_two_catalogues_is_reported_once_and_kept_once(tmp_path: Path):
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "subtitles").mkdir()
    source = DEFAULT_CATALOGUE.parent
    for sub in (source / "subtitles").iterdir():
        (copy / "subtitles" / sub.name).write_bytes(sub.read_bytes())
    text = (
        (source / "catalogue.yaml").read_text(encoding="utf-8").replace("title: 验证码，不告诉任何人", "title: 验证码")
    )
    (copy / "catalogue.yaml").write_text(text, encoding="utf-8")
    report = ingest_files([DEFAULT_CATALOGUE, copy / "catalogue.yaml"], tmp_path / "index", HashingEmbedder(64))
    assert any(
        p == "catalogue.yaml#verification-code-zh: doc_id 'verification-code-zh' already used in this batch, skipped"
        for p in report.problems
    )
    assert any(p.startswith("catalogue.yaml#microcredit-basics-zh: duplicate of") for p in report.problems)


def test_corpus_build_with_the_catalogue_as_extra_source_indexes_both(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    embedder = HashingEmbedder(dimension=64)
    report = build_from_corpus(corpus, index_dir, embedder, extra_sources=[DEFAULT_CATALOGUE])
    assert {"loan-zh", "scam-zh", "insurance-en", "service-station-zh"} <= set(report.added)
    assert report.problems == []
    again = build_from_corpus(corpus, index_dir, embedder, extra_sources=[DEFAULT_CATALOGUE])
    assert again.embedded_chunks == 0


def test_changing_a_subtitle_file_changes_the_corpus_build(corpus: Path, tmp_path: Path):
    videos = tmp_path / "videos"
    (videos / "subs").mkdir(parents=True)
    (videos / "subs" / "a.srt").write_text("1\n00:00:01,000 --> 00:00:04,000\n保险要及时报案。\n", encoding="utf-8")
    catalogue = videos / "catalogue.yaml"
    catalogue.write_text(
        "videos:\n  - id: claims\n    title: 报案\n"
        "    url: https://example.org/videos/claims\n    subtitles: subs/a.srt\n",
        encoding="utf-8",
    )
    index_dir = tmp_path / "index"
    embedder = HashingEmbedder(dimension=64)
    build_from_corpus(corpus, index_dir, embedder, extra_sources=[catalogue])
    (videos / "subs" / "a.srt").write_text("1\n00:00:01,000 --> 00:00:04,000\n拍照留证据。\n", encoding="utf-8")
    report = build_from_corpus(corpus, index_dir, embedder, extra_sources=[catalogue])
    assert report.replaced == ["claims"]
    assert report.embedded_chunks == 1
