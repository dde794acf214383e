"""The time by which a farmer's turn must be answered, set once where the turn enters the pipeline.

Stages that wait (the dialogue engine, the retrieval fallback, scam scoring) read how much of the turn's budget is
left instead of each having its own: waits that add up can then never push an answer past the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar

from bot.dialogue import DialogueEngine
from bot.messages import TurnResult, UserTurn

_DEADLINE: ContextVar[float | None] = ContextVar("nonghui_turn_deadline", default=None)


def turn_deadline() -> float | None:
    """The current turn's deadline on the clock the pipeline was built with, or None outside a turn."""
    return _DEADLINE.get()


class TurnDeadline:
    """A DialogueEngine decorator (outside every stage that waits): the turn must be answered within `seconds`.

    A turn handled inside another one (a completion the form guard sends first) shares the outer deadline."""

    def __init__(self, inner: DialogueEngine, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._inner = inner
        self._seconds = seconds
        self._clock = clock

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Answer `turn` with its deadline set for the stages inside."""
        if _DEADLINE.get() is not None:
            return await self._inner.handle(turn)
        token = _DEADLINE.set(self._clock() + self._seconds)
        try:
            return await self._inner.handle(turn)
        finally:
            _DEADLINE.reset(token)


def seconds_left(default: float, clock: Callable[[], float] = time.monotonic) -> float:
    """Seconds until the current turn's deadline (`default` outside a turn; may be negative when it has passed)."""
    deadline = _DEADLINE.get()
    return default if deadline is None else deadline - clock()
