"""A stop signal ends the bot process quietly, after its clean-up, instead of killing it or printing a traceback.

uvicorn handles SIGINT/SIGTERM while it serves, shuts down gracefully, then restores the previous handlers and
raises the signal again. With Python's defaults that second delivery either kills the process before the
`finally` clean-up of the caller has run (SIGTERM: exit 143, Telegram and background jobs not stopped) or, for
SIGINT, makes `asyncio.run` end with a KeyboardInterrupt traceback in the log (also when Ctrl-C comes during
start-up). With `exit_quietly_on_signals()` installed both become `SystemExit(0)`: the clean-up runs and the
process ends with code 0 and no traceback.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
log = logging.getLogger(__name__)


def _exit(signum: int, _frame: FrameType | None) -> None:
    log.info("stopping on %s", signal.Signals(signum).name)
    raise SystemExit(0)


def exit_quietly_on_signals() -> None:
    """Make SIGINT and SIGTERM end the process with `SystemExit(0)` (call in the main thread before serving)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _exit)
