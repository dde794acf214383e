"""A settable clock for the services that take `clock=` (tests only)."""

from __future__ import annotations

from datetime import datetime


class Clock:
    """Returns `moment` when called; tests move time by assigning a new moment."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment
