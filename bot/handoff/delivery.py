"""Background jobs of the bot process: deliver the outbox through each channel's sender, and close idle hand-offs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.channel import Sender, WaitForFarmer
from bot.handoff.gate import rating_request
from core.clock import utcnow
from store.handoffs import SqlHandoffs
from store.outbox import SqlOutbox

log = logging.getLogger(__name__)


class OutboxDelivery:
    """Delivers pending outbox messages per channel; `wake()` makes it look at once instead of at the next tick."""

    def __init__(self, outbox: SqlOutbox, senders: dict[str, Sender], *, interval: float = 1.0) -> None:
        self._outbox = outbox
        self._senders = senders
        self._interval = interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask for a delivery round now (call from the event loop's thread)."""
        self._wake.set()

    async def deliver_once(self) -> int:
        """One round over every channel; returns how many messages were delivered."""
        delivered = 0
        for channel, sender in self._senders.items():
            for item in await asyncio.to_thread(self._outbox.pending, channel):
                try:
                    await sender.send(item)
                except WaitForFarmer:
                    await asyncio.to_thread(self._outbox.mark_waiting, item.id)
                    log.info("outbox %s (%s) waits until the farmer writes again", item.id, item.kind)
                    continue
                except Exception as err:  # any send failure is retried with back-off, never lost
                    gave_up = await asyncio.to_thread(self._outbox.mark_attempt_failed, item.id, type(err).__name__)
                    log.warning(
                        "outbox %s (%s) not delivered: %s%s",
                        item.id,
                        item.kind,
                        type(err).__name__,
                        "; giving up" if gave_up else "; will retry",
                    )
                    continue
                await asyncio.to_thread(self._outbox.mark_delivered, item.id)
                delivered += 1
        return delivered

    async def run(self) -> None:
        """Deliver until cancelled; a store failure is logged and retried at the next tick."""
        while True:
            try:
                await self.deliver_once()
            except Exception:
                log.exception("outbox delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()


class IdleCloser:
    """Closes hand-offs that staff answered but where nobody wrote for `idle`, asking the farmer for a rating."""

    def __init__(
        self,
        handoffs: SqlHandoffs,
        idle: timedelta,
        *,
        interval: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
        on_closed: Callable[[], None] | None = None,
    ) -> None:
        self._handoffs = handoffs
        self._idle = idle
        self._interval = interval
        self._clock = clock
        self._on_closed = on_closed

    def close_idle(self) -> int:
        """Close every idle hand-off now; returns how many were closed."""
        closed = 0
        for handoff_id in self._handoffs.idle_since(self._clock() - self._idle):
            view = self._handoffs.close(
                handoff_id, actor="system", reason="idle", notice=lambda v: rating_request(v, idle=True)
            )
            closed += view is not None
        return closed

    async def run(self) -> None:
        """Check every `interval` seconds until cancelled."""
        while True:
            try:
                if await asyncio.to_thread(self.close_idle) and self._on_closed is not None:
                    self._on_closed()
            except Exception:
                log.exception("closing idle hand-offs failed")
            await asyncio.sleep(self._interval)
