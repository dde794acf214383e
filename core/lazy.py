"""One lazy holder: a value built on first use (or at warm-up), once, under a lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """Builds its value with `factory` on the first `get()`, then `prepare`s it (e.g. loads a model).

    A failed build is not cached: the next `get()` tries again, so fixing a missing index or a database that was
    down needs no restart. Safe to share between threads."""

    def __init__(self, factory: Callable[[], T], *, prepare: Callable[[T], None] | None = None) -> None:
        self._factory = factory
        self._prepare = prepare
        self._value: T | None = None
        self._lock = threading.Lock()

    @property
    def is_ready(self) -> bool:
        """True once the value has been built (and prepared)."""
        return self._value is not None

    def get(self) -> T:
        """The value, built and prepared once on first use."""
        with self._lock:
            if self._value is None:
                value = self._factory()
                if self._prepare is not None:
                    self._prepare(value)
                self._value = value
            return self._value
