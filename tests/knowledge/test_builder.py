from pathlib import Path

from knowledge.builder import build_from_corpus, ingest_files
from knowledge.embedding.fake import HashingEmbedder
from knowledge.index import KnowledgeIndex
from knowledge.manifest import Manifest


def test_build_writes_manifest_with_model_dimension_and_counts(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    report = build_from_corpus(corpus, index_dir, HashingEmbedder(dimension=64))
    manifest = Manifest.load(index_dir)
    assert manifest is not None
    assert manifest.dimension == 64
    assert manifest.chunk_count == 4
    assert sorted(d.doc_id for d in manifest.documents) == ["insurance-en", "loan-zh", "scam-zh"]
    assert report.embedded_chunks == 4
    assert len(manifest.corpus_hash) == 32


def test_second_build_of_unchanged_corpus_does_nothing(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    embedder = HashingEmbedder(dimension=64)
    build_from_corpus(corpus, index_dir, embedder)
    built_at = Manifest.load(index_dir).built_at  # type: ignore[union-attr]
    report = build_from_corpus(corpus, index_dir, embedder)
    assert report.embedded_chunks == 0
    assert Manifest.load(index_dir).built_at == built_at  # type: ignore[union-attr]


def test_changed_document_is_re_embedded_alone_and_removed_one_disappears(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    embedder = HashingEmbedder(dimension=64)
    build_from_corpus(corpus, index_dir, embedder)
    scam = corpus / "scam-zh.md"
    scam.write_text(scam.read_text(encoding="utf-8") + "\n## 新增\n验证码不能告诉任何人。\n", encoding="utf-8")
    (corpus / "insurance-en.md").unlink()
    report = build_from_corpus(corpus, index_dir, embedder)
    assert report.replaced == ["scam-zh"]
    assert report.removed == ["insurance-en"]
    assert report.embedded_chunks == 1  # only the new section; unchanged sections reuse stored vectors
    index = KnowledgeIndex.load(index_dir)
    assert {c.doc.doc_id for c in index.chunks} == {"loan-zh", "scam-zh"}


def test_ingest_creates_missing_index_and_reports_bad_files_without_stopping(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "new" / "index"
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "copy.md").write_bytes((corpus / "loan-zh.md").read_bytes())
    report = ingest_files([corpus], index_dir, HashingEmbedder(dimension=64))
    assert sorted(report.added) == ["insurance-en", "loan-zh", "scam-zh"]
    assert any(p.startswith("empty.txt:") for p in report.problems)
    assert any(p.startswith("loan-zh.md: duplicate of copy.md") or p.startswith("copy.md") for p in report.problems)
    assert KnowledgeIndex.load(index_dir).manifest.chunk_count == 4


def test_ingest_adds_to_an_existing_index_and_keeps_other_documents(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    embedder = HashingEmbedder(dimension=64)
    ingest_files([corpus / "loan-zh.md"], index_dir, embedder)
    extra = tmp_path / "notice.txt"
    extra.write_text("村里开会讲保险。\n\n时间是周五。", encoding="utf-8")
    report = ingest_files([extra], index_dir, embedder)
    assert report.added == ["notice"]
    docs = {d.doc_id for d in KnowledgeIndex.load(index_dir).manifest.documents}
    assert docs == {"loan-zh", "notice"}


def test_vectors_are_reused_only_for_identical_embedded_text(corpus: Path, tmp_path: Path, monkeypatch):
    import knowledge.index as index_module

    index_dir = tmp_path / "index"
    embedder = HashingEmbedder(dimension=64)
    build_from_corpus(corpus, index_dir, embedder)
    # A new way of composing the embedded text must not reuse vectors made from the old text.
    monkeypatch.setattr(index_module, "embed_text", lambda chunk: "changed\n" + chunk.text)
    monkeypatch.setattr("knowledge.builder.embed_text", index_module.embed_text)
    report = build_from_corpus(corpus, index_dir, embedder, force=True)
    assert report.embedded_chunks == 4


def test_statute_kind_topic_and_language_are_kept_through_the_index_and_its_manifest(tmp_path: Path):
    from tests.knowledge.ingest.statute_texts import paragraphs

    source = tmp_path / "regulation.txt"
    source.write_text("\n\n".join(paragraphs()), encoding="utf-8")
    index_dir = tmp_path / "index"
    ingest_files([source], index_dir, HashingEmbedder(dimension=64))
    record = Manifest.load(index_dir).documents[0]  # type: ignore[union-attr]
    assert (record.kind, record.topic, record.lang) == ("statute", "insurance", "zh")
    chunks = KnowledgeIndex.load(index_dir).chunks
    assert {c.doc.kind for c in chunks} == {"statute"}
    assert "第二章 理赔 · 第一节 报案 · 第三条" in {c.locator for c in chunks}


def test_a_manifest_written_before_kinds_existed_still_loads_as_guides(corpus: Path, tmp_path: Path):
    import json

    index_dir = tmp_path / "index"
    build_from_corpus(corpus, index_dir, HashingEmbedder(dimension=64))
    raw = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    for document in raw["documents"]:
        del document["kind"]
    (index_dir / "manifest.json").write_text(json.dumps(raw), encoding="utf-8")
    assert {d.kind for d in Manifest.load(index_dir).documents} == {"guide"}  # type: ignore[union-attr]
