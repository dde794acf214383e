"""The one lazy holder: builds once on first use, prepares the value, and retries a failed build."""

from __future__ import annotations

import threading

import pytest

from core.lazy import Lazy


def test_builds_once_and_prepares_before_handing_out():
    built: list[list[str]] = []

    def factory() -> list[str]:
        built.append([])
        return built[-1]

    lazy = Lazy(factory, prepare=lambda value: value.append("warm"))
    assert not lazy.is_ready
    assert lazy.get() == ["warm"] and lazy.get() is built[0]
    assert len(built) == 1 and lazy.is_ready


def test_a_failed_build_is_not_cached():
    attempts = iter([RuntimeError("database down"), "ready"])

    def factory() -> str:
        outcome = next(attempts)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    lazy = Lazy(factory)
    with pytest.raises(RuntimeError):
        lazy.get()
    assert lazy.get() == "ready"


def test_threads_share_one_build():
    calls: list[int] = []
    lazy = Lazy(lambda: calls.append(1) or object())
    threads = [threading.Thread(target=lazy.get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
