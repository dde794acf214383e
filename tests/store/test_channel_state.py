"""The channel state shared by bot workers: add-if-absent and compare-and-swap are atomic, values expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store.channel_state import SqlChannelState
from store.db import make_engine, migrate, session_factory


@pytest.fixture
def clock():
    now = [datetime(2026, 12, 4, 12, 0, tzinfo=UTC)]
    return now


@pytest.fixture
def state(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    migrate(engine)
    yield SqlChannelState(session_factory(engine), clock=lambda: clock[0])
    engine.dispose()


def test_add_sets_a_value_only_once_until_it_expires(state, clock):
    assert state.add("wechat", "k", "a", ttl=10)
    assert not state.add("wechat", "k", "b", ttl=10)
    assert state.get("wechat", "k") == "a"
    clock[0] += timedelta(seconds=11)
    assert state.get("wechat", "k") is None
    assert state.add("wechat", "k", "c")


def test_swap_replaces_only_the_expected_value(state):
    state.put("wechat", "reply:1", "pending")
    assert state.swap("wechat", "reply:1", "pending", "cs")
    assert not state.swap("wechat", "reply:1", "pending", "ready:[]")
    assert state.get("wechat", "reply:1") == "cs"
    assert not state.swap("wechat", "missing", "pending", "cs")


def test_put_replaces_and_discard_removes(state, clock):
    state.put("wechat", "token", "t1", ttl=60)
    state.put("wechat", "token", "t2", ttl=60)
    assert state.get("wechat", "token") == "t2"
    state.discard("wechat", "token")
    assert state.get("wechat", "token") is None
    state.put("other", "x", "1", ttl=1)
    clock[0] += timedelta(seconds=2)
    assert state.purge_expired() == 1
