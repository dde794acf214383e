"""Throttles console log-ins without letting a stranger lock anyone out: attempts per IP, a back-off after
failures per (user name, IP), a gentler one per user name and per IP, and a cap on concurrent password hashes."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.limits import ALLOWED, Backoff, Decision, MemoryRateLimiter, RateLimiter, Rule

T = TypeVar("T")


@dataclass(frozen=True)
class LoginLimits:
    """Attempts per IP per minute; back-off after failures of one name from one IP (strict), of one name from
    anywhere and of one IP for any name (both gentler, capped low so a stranger only slows the owner down)."""

    attempts_per_ip: Rule = field(default_factory=lambda: Rule(limit=30, window_seconds=60))
    per_name_and_ip: Backoff = field(default_factory=lambda: Backoff(free=5, base_seconds=2, cap_seconds=900))
    per_name: Backoff = field(default_factory=lambda: Backoff(free=20, base_seconds=1, cap_seconds=30))
    per_ip: Backoff = field(default_factory=lambda: Backoff(free=20, base_seconds=1, cap_seconds=300))
    concurrent_hashes: int = 2
    hash_wait_seconds: float = 5.0


class HashGate:
    """At most `size` password hashes or verifications at once; others wait up to `wait_seconds`, then give up."""

    def __init__(self, size: int, wait_seconds: float) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self._slots = asyncio.Semaphore(size)
        self._wait = wait_seconds

    async def run(self, work: Callable[[], T]) -> T | None:
        """Run `work` in a thread when a slot frees up in time; None when the server is too busy."""
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self._wait)
        except TimeoutError:
            return None
        try:
            return await asyncio.to_thread(work)
        finally:
            self._slots.release()


class LoginGuard:
    """Asks the rate limiter before a log-in and records its outcome."""

    def __init__(self, limiter: RateLimiter | None = None, limits: LoginLimits | None = None) -> None:
        self._limiter = limiter or MemoryRateLimiter()
        self.limits = limits or LoginLimits()
        self.hashes = HashGate(self.limits.concurrent_hashes, self.limits.hash_wait_seconds)

    def _keys(self, ip: str, username: str) -> list[tuple[str, Backoff]]:
        name = hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()[:24]
        return [
            (f"login-fail:{name}:{ip}", self.limits.per_name_and_ip),
            (f"login-fail-name:{name}", self.limits.per_name),
            (f"login-fail-ip:{ip}", self.limits.per_ip),
        ]

    def check(self, ip: str, username: str) -> Decision:
        """Whether this attempt may be tried now (the same answer whether or not the account exists)."""
        decision = self._limiter.hit(f"login-ip:{ip}", self.limits.attempts_per_ip)
        if not decision.allowed:
            return decision
        for key, backoff in self._keys(ip, username):
            waiting = self._limiter.wait(key, backoff)
            if not waiting.allowed:
                return waiting
        return ALLOWED

    def record(self, ip: str, username: str, *, ok: bool) -> None:
        """Count a failure under every key, or clear the name's back-off after a success."""
        for key, backoff in self._keys(ip, username):
            if ok:
                if not key.startswith("login-fail-ip:"):
                    self._limiter.clear(key)
            else:
                self._limiter.fail(key, backoff)

    async def attempt(self, ip: str, username: str, check: Callable[[], T], ok: Callable[[T], bool]) -> T | Decision:
        """Run the password `check` under the limits: its result, or the refusal (throttled or too busy)."""
        decision = self.check(ip, username)
        if not decision.allowed:
            return decision
        result = await self.hashes.run(check)
        if result is None:
            return Decision(allowed=False, retry_after=self.limits.hash_wait_seconds)
        self.record(ip, username, ok=ok(result))
        return result
