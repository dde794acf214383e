"""The channel state shared by bot workers, in the database (SQLite, PostgreSQL) or Redis: add-if-absent and
compare-and-swap are atomic, values expire."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from store.channel_state import SqlChannelState
from store.channel_state_redis import RedisChannelState

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def clock():
    return [datetime(2026, 12, 4, 12, 0, tzinfo=UTC)]


@pytest.fixture
def sql_state(sessions, clock):
    return SqlChannelState(sessions, clock=lambda: clock[0])


@pytest.fixture
def redis_state():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis at 127.0.0.1:6379 is not reachable")
    prefix = f"nonghui-test:{uuid.uuid4().hex[:10]}:"
    yield RedisChannelState(client, prefix=prefix)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def check_add_sets_a_value_only_once(state):
    assert state.add("wechat", "k", "a", ttl=10)
    assert not state.add("wechat", "k", "b", ttl=10)
    assert state.get("wechat", "k") == "a"


def check_swap_replaces_only_the_expected_value(state):
    state.put("wechat", "reply:1", "pending", ttl=60)
    assert state.swap("wechat", "reply:1", "pending", "cs", ttl=60)
    assert not state.swap("wechat", "reply:1", "pending", "ready:[]")
    assert state.get("wechat", "reply:1") == "cs"
    assert not state.swap("wechat", "missing", "pending", "cs")


def check_put_replaces_and_discard_removes(state):
    state.put("wechat", "token", "t1", ttl=60)
    state.put("wechat", "token", "t2")
    assert state.get("wechat", "token") == "t2"
    state.discard("wechat", "token")
    assert state.get("wechat", "token") is None


CHECKS = [
    check_add_sets_a_value_only_once,
    check_swap_replaces_only_the_expected_value,
    check_put_replaces_and_discard_removes,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_in_the_database(sql_state, check):
    check(sql_state)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_in_redis(redis_state, check):
    check(redis_state)


def test_database_values_expire(sql_state, clock):
    sql_state.add("wechat", "k", "a", ttl=10)
    clock[0] += timedelta(seconds=11)
    assert sql_state.get("wechat", "k") is None
    assert sql_state.add("wechat", "k", "c")
    sql_state.put("other", "x", "1", ttl=1)
    clock[0] += timedelta(seconds=2)
    assert sql_state.purge_expired() == 1


def test_redis_values_expire(redis_state):
    redis_state.put("wechat", "k", "a", ttl=0.05)
    time.sleep(0.2)
    assert redis_state.get("wechat", "k") is None
    assert redis_state.add("wechat", "k", "b")
