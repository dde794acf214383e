from pathlib import Path

import pytest

from knowledge.ingest.frontmatter import DocumentError
from knowledge.ingest.loader import load_document
from knowledge.ingest.subtitles import Cue, clean_cue_text, group_cues, parse_srt, parse_vtt


def _clock(seconds: float, sep: str) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}{sep}{round((seconds - whole) * 1000):03d}"


def _srt(cues: list[tuple[float, float, str]]) -> str:
    blocks = [f"{i}\n{_clock(s, ',')} --> {_clock(e, ',')}\n{t}\n" for i, (s, e, t) in enumerate(cues, 1)]
    return "\n".join(blocks)


def _vtt(cues: list[tuple[float, float, str]]) -> str:
    return "WEBVTT\n\n" + "\n".join(f"{_clock(s, '.')} --> {_clock(e, '.')}\n{t}\n" for s, e, t in cues)


LESSON = [(1.0 + 5 * i, 5.5 + 5 * i, f"第{i + 1}句讲贷款的知识。") for i in range(30)]  # 150 s of speech


def test_srt_cues_are_parsed_with_times_and_markup_removed():
    cues = parse_srt(_srt([(1.5, 4.0, "<i>不要</i>把验证码\n告诉别人。"), (133.0, 136.0, "{\\an8}打&amp;问")]), "a.srt")
    assert cues == [Cue(1.5, 4.0, "不要把验证码告诉别人。"), Cue(133.0, 136.0, "打&问")]


def test_vtt_cues_are_parsed_including_voice_tags_and_short_clock():
    text = (
        "WEBVTT\n\nNOTE written for a test\n\n"
        "intro\n00:01.000 --> 00:03.500 align:start\n<v 讲解员>你好，乡亲们。\n\n"
        "02:13.250 --> 02:16.000\nCall 96110\nfor advice.\n"
    )
    cues = parse_vtt(text, "a.vtt")
    assert cues == [Cue(1.0, 3.5, "你好，乡亲们。"), Cue(133.25, 136.0, "Call 96110 for advice.")]


def test_cue_text_joins_english_lines_with_a_space_and_chinese_without():
    assert clean_cue_text("Keep the\nphotos") == "Keep the photos"
    assert clean_cue_text("保留\n照片") == "保留照片"


def test_cues_group_into_segments_between_twenty_and_forty_seconds():
    cues = [Cue(s, e, t) for s, e, t in LESSON]
    segments = group_cues(cues)
    assert len(segments) > 1
    assert all(20 <= seg.end - seg.start <= 40 for seg in segments[:-1])
    assert segments[-1].end - segments[-1].start <= 50
    assert [seg.start for seg in segments] == sorted(seg.start for seg in segments)
    assert "".join(seg.text for seg in segments) == "".join(t for _, _, t in LESSON)


def test_segment_closes_at_forty_seconds_even_without_sentence_end():
    cues = [Cue(4.0 * i, 4.0 * i + 3.5, f"片段{i}") for i in range(25)]  # no punctuation at all
    segments = group_cues(cues)
    assert all(seg.end - seg.start <= 40 for seg in segments)


def test_short_tail_is_merged_into_the_previous_segment():
    cues = [Cue(0, 12, "第一段。"), Cue(12.5, 24, "第二段。"), Cue(25, 28, "谢谢。")]
    segments = group_cues(cues)
    assert len(segments) == 1
    assert segments[0].text == "第一段。第二段。谢谢。"


def test_subtitle_file_sections_carry_timestamp_locators_and_start_seconds(tmp_path: Path):
    path = tmp_path / "lesson.srt"
    path.write_text(_srt(LESSON), encoding="utf-8")
    doc = load_document(path)
    assert doc.sections[0][0] == "▶ 00:01"
    assert len(doc.starts) == len(doc.sections)
    for (locator, _), start in zip(doc.sections, doc.starts, strict=True):
        assert start is not None
        assert locator == f"▶ {int(start) // 60:02d}:{int(start) % 60:02d}"
    assert doc.meta.lang == "zh"


def test_gbk_encoded_srt_is_read(tmp_path: Path):
    path = tmp_path / "gbk.srt"
    path.write_bytes(_srt([(0, 3, "保险理赔要及时报案。")]).encode("gbk"))
    assert load_document(path).sections == [("▶ 00:00", "保险理赔要及时报案。")]


def test_vtt_with_bom_and_crlf_is_read(tmp_path: Path):
    path = tmp_path / "bom.vtt"
    path.write_bytes(b"\xef\xbb\xbf" + _vtt([(65, 70, "Report the loss.")]).replace("\n", "\r\n").encode())
    doc = load_document(path)
    assert doc.sections == [("▶ 01:05", "Report the loss.")]
    assert doc.starts == (65.0,)
    assert doc.meta.lang == "en"


def test_text_that_is_not_srt_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "notes.srt"
    path.write_text("这只是一段普通文字，不是字幕。", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"^notes\.srt: not a valid SRT"):
        load_document(path)


def test_vtt_without_header_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "headless.vtt"
    path.write_text("00:01.000 --> 00:02.000\nhello\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"^headless\.vtt: not a valid WebVTT"):
        load_document(path)


def test_subtitles_with_only_markup_are_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "music.srt"
    path.write_text(_srt([(0, 3, "<i></i>")]), encoding="utf-8")
    with pytest.raises(DocumentError, match=r"^music\.srt: no subtitle text found"):
        load_document(path)
