import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli
from bot.cli import app
from knowledge.embedding.fake import HashingEmbedder
from knowledge.index import KnowledgeIndex

VIDEOS = Path(__file__).resolve().parents[2] / "knowledge" / "videos" / "catalogue.yaml"
DOC = """---
doc_id: tiny-zh
title: 小额信贷
lang: zh
topic: loan
---
# 小额信贷

## 能贷多少
每户最多5万元。
"""


@pytest.fixture
def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tiny-zh.md").write_text(DOC, encoding="utf-8")
    monkeypatch.setenv("NONGHUI_HOME", str(tmp_path))
    monkeypatch.setattr(bot.cli, "_embedder", lambda settings: HashingEmbedder(dimension=64))

    def run(*extra: str) -> set[str]:
        result = CliRunner().invoke(app, ["kb", "build", "--corpus", str(corpus), *extra])
        assert result.exit_code == 0, result.output
        return {chunk.doc.doc_id for chunk in KnowledgeIndex.load(tmp_path / "index").chunks}

    return run


def test_kb_build_leaves_the_sample_videos_out_unless_configured(build):
    assert build() == {"tiny-zh"}


def test_kb_build_indexes_the_configured_video_catalogues_and_keeps_them_on_rebuild(build, monkeypatch):
    monkeypatch.setenv("NONGHUI_VIDEO_CATALOGUES", json.dumps([str(VIDEOS)]))
    first = build()
    assert "tiny-zh" in first and len(first) >= 7
    assert build("--force") == first


def test_kb_stats_lists_topic_language_and_kind_per_document(build, tmp_path: Path):
    from tests.knowledge.ingest.statute_texts import paragraphs

    build()
    law = tmp_path / "regulation.txt"
    law.write_text("\n\n".join(paragraphs()), encoding="utf-8")
    ingested = CliRunner().invoke(app, ["kb", "ingest", str(law)])
    assert ingested.exit_code == 0, ingested.output
    result = CliRunner().invoke(app, ["kb", "stats"])
    assert result.exit_code == 0, result.output
    assert "kinds: {'statute': 1, 'guide': 1}" in result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines() if line.startswith("  ")}
    assert rows["tiny-zh"][1:4] == ["guide", "loan", "zh"]
    assert rows["regulation"][1:4] == ["statute", "insurance", "zh"]
