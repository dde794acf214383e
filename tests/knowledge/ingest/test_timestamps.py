import pytest

from knowledge.ingest.timestamps import format_timestamp, parse_duration, timestamp_url


@pytest.mark.parametrize(
    ("seconds", "label"), [(0, "00:00"), (133.9, "02:13"), (599, "09:59"), (3600, "1:00:00"), (3725, "1:02:05")]
)
def test_format_timestamp_uses_mm_ss_and_hours_past_one_hour(seconds: float, label: str):
    assert format_timestamp(seconds) == label


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=abc123", "https://www.youtube.com/watch?v=abc123&t=133"),
        ("https://youtu.be/abc123", "https://youtu.be/abc123?t=133"),
        ("https://www.youtube.com/watch?v=abc123&t=10", "https://www.youtube.com/watch?v=abc123&t=133"),
        ("https://www.youtube.com/embed/abc123", "https://www.youtube.com/embed/abc123?start=133"),
        ("https://www.bilibili.com/video/BV1xx?p=2", "https://www.bilibili.com/video/BV1xx?p=2&t=133"),
        ("https://example.org/videos/loan-fee-scam-zh", "https://example.org/videos/loan-fee-scam-zh?t=133"),
        ("https://cdn.example.org/media/claims.mp4", "https://cdn.example.org/media/claims.mp4#t=133"),
        ("https://vimeo.com/12345", "https://vimeo.com/12345#t=133s"),
    ],
)
def test_timestamp_url_opens_the_video_at_the_second(url: str, expected: str):
    assert timestamp_url(url, 133.7) == expected


def test_timestamp_url_at_zero_removes_an_old_start():
    assert timestamp_url("https://example.org/v?id=1&t=50", 0) == "https://example.org/v?id=1"


@pytest.mark.parametrize(("value", "seconds"), [(None, None), (95, 95.0), ("2:35", 155.0), ("1:02:05", 3725.0)])
def test_parse_duration_reads_seconds_and_clock_forms(value: object, seconds: float | None):
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["two minutes", "1:xx", True, "1:2:3:4"])
def test_parse_duration_rejects_other_text(value: object):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(value)
