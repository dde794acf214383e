from __future__ import annotations

from actions.logsafe import MAX_LOGGED_CHARS, redact


def test_redact_masks_phone_and_id_numbers():
    text = redact("phone 138-1234-5678, id 11010519491231002X, page 12")

    assert text == "phone [number], id [number], page 12"


def test_redact_cuts_long_messages():
    assert len(redact("x" * 10_000)) == MAX_LOGGED_CHARS
