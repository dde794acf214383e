"""The channel state (store/channel_state.py) kept in Redis instead of the database, for deployments that run
several bot workers against Redis anyway: same operations, keys under a prefix, expiry by Redis itself."""

from __future__ import annotations

from typing import Any

_SWAP = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[3] == '' then
    redis.call('SET', KEYS[1], ARGV[2])
  else
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  end
  return 1
end
return 0
"""


def _ms(ttl: float | None) -> int | None:
    return None if ttl is None else max(1, int(ttl * 1000))


class RedisChannelState:
    """Get, put, add-if-absent (SET NX) and compare-and-swap (a Lua script) under `prefix`."""

    def __init__(self, client: Any, *, prefix: str = "nonghui:state:") -> None:
        self._redis = client
        self._prefix = prefix
        self._swap = client.register_script(_SWAP)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "nonghui:state:") -> RedisChannelState:
        """Connect to `url` (e.g. redis://127.0.0.1:6379/0); values come back as text."""
        import redis

        return cls(redis.Redis.from_url(url, decode_responses=True), prefix=prefix)

    def _key(self, scope: str, key: str) -> str:
        return f"{self._prefix}{scope}:{key}"

    def get(self, scope: str, key: str) -> str | None:
        """The value, or None when absent or expired."""
        value = self._redis.get(self._key(scope, key))
        return None if value is None else str(value)

    def put(self, scope: str, key: str, value: str, *, ttl: float | None = None) -> None:
        """Set the value (replacing any), living `ttl` seconds (None: until replaced)."""
        self._redis.set(self._key(scope, key), value, px=_ms(ttl))

    def add(self, scope: str, key: str, value: str, *, ttl: float | None = None) -> bool:
        """Set the value only when absent or expired; True when this call set it."""
        return bool(self._redis.set(self._key(scope, key), value, px=_ms(ttl), nx=True))

    def swap(self, scope: str, key: str, expected: str, value: str, *, ttl: float | None = None) -> bool:
        """Replace the value only while it is still `expected`; True when this call replaced it."""
        ms = _ms(ttl)
        return bool(self._swap(keys=[self._key(scope, key)], args=[expected, value, "" if ms is None else str(ms)]))

    def discard(self, scope: str, key: str) -> None:
        """Remove the value if present."""
        self._redis.delete(self._key(scope, key))
