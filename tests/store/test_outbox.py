from datetime import UTC, datetime, timedelta

import pytest

from store.outbox import MAX_ATTEMPTS, NewMessage, OutboxButton, SqlOutbox
from tests.clock import Clock


@pytest.fixture
def clock():
    return Clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


@pytest.fixture
def outbox(sessions, clock):
    return SqlOutbox(sessions, clock=clock)


def message(**changes):
    values = dict(channel="telegram", external_id="42", kind="staff_reply", text="您好", lang="zh")
    values.update(changes)
    return NewMessage(**values)


def test_a_dedupe_key_stores_the_message_once(outbox):
    first = outbox.enqueue(message(dedupe_key="status:ZJ-1:contacted"))
    second = outbox.enqueue(message(dedupe_key="status:ZJ-1:contacted", text="again"))
    assert first == second
    assert [m.text for m in outbox.pending("telegram")] == ["您好"]


def test_pending_is_per_channel_oldest_first_and_delivered_ones_leave(outbox):
    a = outbox.enqueue(message(text="a", buttons=[OutboxButton(title="⭐ 5", payload='/handoff_rating{"rating":5}')]))
    outbox.enqueue(message(channel="web", external_id="w1", text="web"))
    b = outbox.enqueue(message(text="b"))
    pending = outbox.pending("telegram")
    assert [m.id for m in pending] == [a, b]
    assert pending[0].buttons[0].payload == '/handoff_rating{"rating":5}'
    outbox.mark_delivered(a)
    assert [m.id for m in outbox.pending("telegram")] == [b]


def test_failed_sends_back_off_and_give_up_after_max_attempts(outbox, clock):
    item = outbox.enqueue(message())
    assert outbox.mark_attempt_failed(item, "NetworkError") is False
    assert outbox.pending("telegram") == []  # waiting for the retry time
    clock.moment += timedelta(minutes=10)
    assert [m.attempts for m in outbox.pending("telegram")] == [1]
    for _ in range(MAX_ATTEMPTS - 1):
        gave_up = outbox.mark_attempt_failed(item, "NetworkError")
    assert gave_up is True
    clock.moment += timedelta(days=1)
    assert outbox.pending("telegram") == []


def test_web_polling_returns_messages_after_the_cursor_for_that_chat_only(outbox):
    first = outbox.enqueue(message(channel="web", external_id="w1", text="one"))
    outbox.enqueue(message(channel="web", external_id="w2", text="other chat"))
    second = outbox.enqueue(message(channel="web", external_id="w1", text="two"))
    assert [m.text for m in outbox.for_conversation("web", "w1")] == ["one", "two"]
    assert [m.id for m in outbox.for_conversation("web", "w1", after=first)] == [second]
    assert outbox.for_conversation("web", "w1", after=second) == []
    assert [m.external_id for m in outbox.pending("web")] == ["w2"]  # fetched by the page counts as delivered


def test_a_held_message_waits_for_the_farmer_without_counting_attempts(outbox):
    held = outbox.enqueue(message(channel="wechat", external_id="o1", text="staff reply"))
    outbox.enqueue(message(channel="wechat", external_id="o2", text="someone else"))
    outbox.mark_waiting(held)
    assert [m.external_id for m in outbox.pending("wechat")] == ["o2"]
    assert outbox.waiting_count("wechat", "o1") == 1
    assert outbox.release_waiting("wechat", "o1") == 1
    (due,) = [m for m in outbox.pending("wechat") if m.external_id == "o1"]
    assert due.attempts == 0 and outbox.waiting_count("wechat", "o1") == 0
