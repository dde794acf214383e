"""Builds the hand-off gate, its stores and its background jobs for the bot's composition root."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.channel import Sender
from bot.dialogue import DialogueEngine
from bot.handoff.delivery import IdleCloser, OutboxDelivery
from bot.handoff.gate import HandoffGate, HandoffOptions
from bot.limits import MemoryRateLimiter, RateLimiter
from bot.messages import IntentInfo, UserTurn
from bot.settings import BotSettings
from core.text import bi
from loans.stations import SAMPLE_STATIONS, Station, StationMatcher, load_stations
from store.handoffs import SqlHandoffs
from store.outbox import SqlOutbox


@dataclass
class HandoffParts:
    """The hand-off pieces one bot process runs: stores, and the jobs started with `start_jobs`."""

    settings: BotSettings
    handoffs: SqlHandoffs
    outbox: SqlOutbox
    stations: list[Station]
    limiter: RateLimiter = field(default_factory=MemoryRateLimiter)
    senders: dict[str, Sender] = field(default_factory=dict)
    delivery: OutboxDelivery | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(
        cls, settings: BotSettings, sessions: sessionmaker[Session], *, limiter: RateLimiter | None = None
    ) -> HandoffParts:
        """Create the stores (no I/O beyond reading the station registry); `limiter` counts hand-off requests."""
        return cls(
            limiter=limiter or MemoryRateLimiter(),
            settings=settings,
            handoffs=SqlHandoffs(sessions),
            outbox=SqlOutbox(sessions),
            stations=load_stations(settings.stations_file or SAMPLE_STATIONS),
        )

    def gate(
        self,
        inner: DialogueEngine,
        understand: Callable[[UserTurn], Awaitable[IntentInfo | None]] | None = None,
    ) -> HandoffGate:
        """The DialogueEngine decorator that hands conversations to staff (`understand`: NLU without a turn)."""
        options = HandoffOptions(
            default_station_code=self.settings.handoff_default_station,
            default_hours=bi(self.settings.handoff_default_hours_zh, self.settings.handoff_default_hours_en),
            staff_groups=dict(self.settings.handoff_staff_groups),
            console_url=self.settings.public_web_url.rstrip("/") if self.settings.public_web_url else None,
            requests_per_hour=self.settings.handoff_requests_per_hour,
            requests_per_ip_hour=self.settings.handoff_requests_per_ip_hour,
        )
        return HandoffGate(
            inner,
            self.handoffs,
            matcher=StationMatcher(self.stations),
            options=options,
            on_open=lambda _view: self.wake_delivery(),
            understand=understand,
            limiter=self.limiter,
        )

    def wake_delivery(self) -> None:
        """Deliver queued messages now rather than at the next tick."""
        if self.delivery is not None:
            self.delivery.wake()

    def start_jobs(self) -> None:
        """Start outbox delivery (for the channels in `senders`) and the idle closer in the running loop."""
        self.delivery = OutboxDelivery(self.outbox, self.senders, interval=self.settings.outbox_poll_seconds)
        closer = IdleCloser(
            self.handoffs,
            timedelta(minutes=self.settings.handoff_idle_minutes),
            interval=min(60.0, self.settings.handoff_idle_minutes * 60 / 4),
            on_closed=self.wake_delivery,
        )
        self.tasks = [
            asyncio.create_task(self.delivery.run(), name="outbox-delivery"),
            asyncio.create_task(closer.run(), name="handoff-idle-closer"),
        ]

    async def stop_jobs(self) -> None:
        """Cancel the background jobs and wait for them."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []
