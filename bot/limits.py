"""Abuse limits: a small rate-limiter interface (counted events per window, failure back-off) and its in-memory
implementation. Web chat, hand-off requests and staff logins ask it before doing work."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

_V = TypeVar("_V")


@dataclass(frozen=True)
class Rule:
    """At most `limit` events per `window_seconds` (a sliding window)."""

    limit: int
    window_seconds: float


@dataclass(frozen=True)
class Backoff:
    """Failure back-off: `free` failures cost nothing, then each one doubles the wait from `base_seconds` up to
    `cap_seconds`; failures older than `forget_seconds` are forgotten."""

    free: int = 3
    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    forget_seconds: float = 900.0


@dataclass(frozen=True)
class Decision:
    """Whether an event may go ahead, and if not, after how many seconds it may be tried again."""

    allowed: bool
    retry_after: float = 0.0

    @property
    def retry_after_seconds(self) -> int:
        """`retry_after` rounded up to whole seconds (for a `Retry-After` header), at least 1 when refused."""
        return 0 if self.allowed else max(1, math.ceil(self.retry_after))


ALLOWED = Decision(allowed=True)


class RateLimiter(Protocol):
    """Counts events and failures per key. Implementations: `MemoryRateLimiter` (one process)."""

    def hit(self, key: str, rule: Rule) -> Decision:
        """Count one event under `key`; refuse it (not counted) when `rule.limit` events already fell in the window."""
        ...

    def wait(self, key: str, backoff: Backoff) -> Decision:
        """Whether `key` may try now, given its recorded failures and `backoff`."""
        ...

    def fail(self, key: str, backoff: Backoff) -> None:
        """Record one failure under `key`."""
        ...

    def clear(self, key: str) -> None:
        """Forget the failures of `key` (after a success)."""
        ...


class MemoryRateLimiter:
    """`RateLimiter` in this process's memory; keeps at most `max_keys` keys (least recently used dropped)."""

    def __init__(self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be positive")
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def hit(self, key: str, rule: Rule) -> Decision:
        """Count one event under `key` unless `rule.limit` events already fell in the last window."""
        now = self._clock()
        with self._lock:
            events = self._events.get(key)
            if events is None:
                events = self._events[key] = deque()
            self._events.move_to_end(key)
            while events and events[0] <= now - rule.window_seconds:
                events.popleft()
            if len(events) >= rule.limit:
                return Decision(allowed=False, retry_after=events[0] + rule.window_seconds - now)
            events.append(now)
            _trim(self._events, self._max_keys)
            return ALLOWED

    def wait(self, key: str, backoff: Backoff) -> Decision:
        """Refused while the back-off after the last failure of `key` runs."""
        now = self._clock()
        with self._lock:
            count, last = self._failures.get(key, (0, 0.0))
        if count == 0 or now - last >= backoff.forget_seconds or count < backoff.free:
            return ALLOWED
        delay = min(backoff.cap_seconds, backoff.base_seconds * 2 ** (count - backoff.free))
        remaining = last + delay - now
        return ALLOWED if remaining <= 0 else Decision(allowed=False, retry_after=remaining)

    def fail(self, key: str, backoff: Backoff) -> None:
        """Record one failure of `key` (the count restarts once old failures are forgotten)."""
        now = self._clock()
        with self._lock:
            count, last = self._failures.get(key, (0, 0.0))
            if count and now - last >= backoff.forget_seconds:
                count = 0
            self._failures[key] = (count + 1, now)
            self._failures.move_to_end(key)
            _trim(self._failures, self._max_keys)

    def clear(self, key: str) -> None:
        """Forget the failures of `key`."""
        with self._lock:
            self._failures.pop(key, None)


def _trim(table: OrderedDict[str, _V], size: int) -> None:
    while len(table) > size:
        table.popitem(last=False)


def first_refusal(limiter: RateLimiter, checks: list[tuple[str, Rule]]) -> Decision:
    """Count the event under every (key, rule) in turn; the first refusal, or ALLOWED."""
    for key, rule in checks:
        decision = limiter.hit(key, rule)
        if not decision.allowed:
            return decision
    return ALLOWED
