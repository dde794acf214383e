from pathlib import Path

import pytest
import yaml

from knowledge.ingest.catalogue import DEFAULT_CATALOGUE, read_catalogue
from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.loader import expand_paths, load_document, load_documents
from knowledge.ingest.subtitles import read_cues

SRT = (
    "1\n00:00:01,000 --> 00:00:06,000\n正规贷款放款前不收任何费用。\n\n"
    "2\n00:02:13,000 --> 00:02:18,000\n遇到可疑情况请拨打96110。\n"
)


def _catalogue(folder: Path, videos: list[dict[str, object]], subtitles: dict[str, str] | None = None) -> Path:
    (folder / "subs").mkdir(parents=True, exist_ok=True)
    for name, text in (subtitles or {"scam.srt": SRT}).items():
        (folder / "subs" / name).write_text(text, encoding="utf-8")
    path = folder / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"videos": videos}, allow_unicode=True), encoding="utf-8")
    return path


def _video(**overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": "scam-video",
        "title": "贷款诈骗",
        "url": "https://example.org/videos/scam-video",
        "duration": "2:30",
        "topic": "scam",
        "subtitles": "subs/scam.srt",
        "source_note": "test",
    }
    entry.update(overrides)
    return entry


def test_each_video_becomes_a_document_with_its_url_metadata_and_timed_segments(tmp_path: Path):
    result = read_catalogue(_catalogue(tmp_path, [_video(region="gansu")]))
    assert result.problems == []
    [doc] = result.documents
    assert doc.meta.doc_id == "scam-video"
    assert doc.meta.url == "https://example.org/videos/scam-video"
    assert (doc.meta.topic, doc.meta.region, doc.meta.lang) == ("scam", "gansu", "zh")  # lang detected
    assert doc.sections == [("▶ 00:01", "正规贷款放款前不收任何费用。"), ("▶ 02:13", "遇到可疑情况请拨打96110。")]
    assert doc.starts == (1.0, 133.0)
    assert doc.label == "catalogue.yaml#scam-video"


def test_bad_entries_are_reported_by_id_and_good_ones_still_load(tmp_path: Path):
    videos = [
        _video(),
        _video(id="no-file", subtitles="subs/missing.srt"),
        _video(id="no-url", url=""),
        _video(id="bad-topic", topic="weather", subtitles="subs/other.srt"),
        _video(id="too-long", duration="1:00", subtitles="subs/other.srt"),
        _video(id="scam-video", subtitles="subs/other.srt"),
        "just a string",
    ]
    result = read_catalogue(_catalogue(tmp_path, videos, {"scam.srt": SRT, "other.srt": SRT}))
    assert [d.meta.doc_id for d in result.documents] == ["scam-video"]
    problems = "\n".join(result.problems)
    assert "catalogue.yaml#no-file: subtitle file subs/missing.srt not found" in problems
    assert "catalogue.yaml#no-url: missing url" in problems
    assert "catalogue.yaml#bad-topic: topic must be one of" in problems
    assert "catalogue.yaml#too-long: subtitles run to 02:13 but the duration is 01:00" in problems
    assert "catalogue.yaml#scam-video: id used twice" in problems
    assert "catalogue.yaml#7: each video must be a mapping" in problems


def test_broken_subtitle_file_is_reported_with_the_entry_and_file(tmp_path: Path):
    path = _catalogue(tmp_path, [_video()], {"scam.srt": "not subtitles at all"})
    result = read_catalogue(path)
    assert result.documents == []
    assert result.problems[0].startswith("catalogue.yaml#scam-video: scam.srt: not a valid SRT")


def test_yaml_without_videos_list_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "settings.yaml"
    path.write_text("language: zh\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"^settings\.yaml: a video catalogue needs a top-level `videos:` list"):
        load_documents(path)


def test_load_document_points_catalogues_to_load_documents(tmp_path: Path):
    with pytest.raises(DocumentError, match="holds several documents"):
        load_document(_catalogue(tmp_path, [_video()]))


def test_directory_expansion_skips_subtitles_owned_by_a_catalogue(tmp_path: Path):
    catalogue = _catalogue(tmp_path, [_video()], {"scam.srt": SRT, "loose.srt": SRT})
    names = [p.name for p in expand_paths([tmp_path])]
    assert names == [catalogue.name, "loose.srt"]


def test_sample_catalogue_lists_at_least_six_videos_with_existing_subtitles_in_both_formats():
    result = read_catalogue(DEFAULT_CATALOGUE)
    assert result.problems == []
    docs = result.documents
    assert len(docs) >= 6
    assert {d.meta.lang for d in docs} == {"zh", "en"}
    assert {d.meta.topic for d in docs} >= {"loan", "insurance", "scam", "station"}
    assert all(d.meta.url == f"https://example.org/videos/{d.meta.doc_id}" for d in docs)
    assert all(d.meta.source_note.startswith("SAMPLE") for d in docs)
    raw = yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    suffixes = {Path(v["subtitles"]).suffix for v in raw["videos"]}
    assert suffixes == {".srt", ".vtt"}
    for video in raw["videos"]:
        cues = read_cues(DEFAULT_CATALOGUE.parent / video["subtitles"])
        assert 90 <= cues[-1].end <= 240, video["id"]  # 1.5 to 4 minutes of speech
