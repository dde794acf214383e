"""The channel seam: what every channel (one folder under bot/) gives the bot process, and what it gets.

A channel turns its farmers' messages into `UserTurn`s for the dialogue pipeline and renders the replies
(bot/rendering.py holds the channel-neutral parts). The composition root (bot/channels.py) lists the channels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from fastapi import FastAPI

from bot.arrivals import FarmerContacts
from bot.dialogue import DialogueEngine
from bot.limits import MemoryRateLimiter, RateLimiter
from bot.voice.listener import VoiceNotes
from core.errors import NonghuiError
from store.outbox import OutboxItem, SqlOutbox

# The query or start parameter that carries a campaign payload in every channel's links.
START_PARAMETER = "start"


class LinkError(NonghuiError):
    """A channel setting (bot username, web address) that cannot make a working campaign link."""


class WaitForFarmer(NonghuiError):
    """Raised by a sender when the channel may not message the farmer now (e.g. WeChat's 48-hour window):
    the outbox holds the message and delivers it when the farmer writes next."""


class Sender(Protocol):
    """Sends one outbox message (staff reply, status notice) on a channel; raises on failure (it is retried)."""

    async def send(self, item: OutboxItem) -> None:
        """Deliver `item`."""
        ...


class SeenUpdates(Protocol):
    """Remembers which incoming updates were already handled, so repeats are processed once."""

    def mark_seen(self, *, source: str, update_id: int) -> bool:
        """Record the update; return True only the first time this (source, update_id) is seen."""
        ...


class OpenHandoffs(Protocol):
    """Tells whether a conversation is with a person right now (store.handoffs.SqlHandoffs)."""

    def open_for(self, channel: str, external_id: str) -> Any:
        """The open hand-off of the conversation, or None."""
        ...


class KeepsHandoffAudio(Protocol):
    """Keeps a recording for staff during a hand-off when the platform keeps none (store.handoff_audio)."""

    def keep(self, handoff_id: int, audio: bytes, content_type: str) -> str:
        """Store the recording; return the media reference of its hand-off message."""
        ...


class SharedState(Protocol):
    """Small expiring text values shared by every bot worker (store.channel_state.SqlChannelState)."""

    def get(self, scope: str, key: str) -> str | None:
        """The value, or None when absent or expired."""
        ...

    def put(self, scope: str, key: str, value: str, *, ttl: float | None = None) -> None:
        """Set the value, living `ttl` seconds (None: until replaced)."""
        ...

    def add(self, scope: str, key: str, value: str, *, ttl: float | None = None) -> bool:
        """Set the value only when absent or expired; True when this call set it."""
        ...

    def swap(self, scope: str, key: str, expected: str, value: str, *, ttl: float | None = None) -> bool:
        """Replace the value only while it is `expected`; True when this call replaced it."""
        ...

    def discard(self, scope: str, key: str) -> None:
        """Remove the value if present."""
        ...


@dataclass(frozen=True)
class ChannelDeps:
    """What a channel gets from the composition root: the pipeline, the stores it may need and the process's
    rate limiter."""

    dialogue: DialogueEngine
    contacts: FarmerContacts
    seen: SeenUpdates
    handoffs: OpenHandoffs
    outbox: SqlOutbox
    limiter: RateLimiter = field(default_factory=MemoryRateLimiter)
    # Values shared by all bot workers (tokens, reply state); channels that need none ignore it.
    state: SharedState | None = None
    voice: VoiceNotes | None = None  # hears voice notes for any channel (None: voice notes are not recognised)
    handoff_audio: KeepsHandoffAudio | None = None  # web recordings kept for staff during a hand-off


@dataclass(frozen=True)
class CampaignCode:
    """A scannable code a channel's platform made for a campaign payload: the URL its QR code encodes."""

    url: str
    expires_at: datetime | None = None


@runtime_checkable
class CampaignCodeMaker(Protocol):
    """A channel whose platform makes its own campaign QR codes through an API (the campaign CLI asks it)."""

    name: str

    async def campaign_code(self, payload: str, *, days: int | None, state: SharedState) -> CampaignCode:
        """Ask the platform for a code carrying `payload`: permanent when `days` is None, else temporary."""
        ...


class ChannelAdapter(Protocol):
    """One channel. Built from the settings alone (cheap, nothing started); `enabled` says whether it is
    configured to run. The bot calls `mount` before serving, `start` once the loop runs, `stop` at the end."""

    @property
    def name(self) -> str:
        """The channel's name in the channel table (core/channels.py)."""
        ...

    @property
    def enabled(self) -> bool:
        """True when the settings configure this channel to run in the bot process."""
        ...

    def campaign_link(self, payload: str) -> str | None:
        """A link that opens this channel with the campaign `payload`; None when not configured for links.

        Raises LinkError when the configuration cannot make a working link."""
        ...

    def mount(self, app: FastAPI, deps: ChannelDeps) -> None:
        """Add the channel's routes to the bot's web app (nothing for a channel that needs none)."""
        ...

    async def start(self, deps: ChannelDeps) -> None:
        """Start receiving messages in the background of the running loop (nothing for a mounted channel)."""
        ...

    async def stop(self) -> None:
        """Stop receiving messages and release what `start` took."""
        ...

    def sender(self) -> Sender | None:
        """The outbound sender for staff replies and status notices (after `start`); None when the channel's
        clients fetch them themselves (the web chat polls `GET /api/messages`)."""
        ...
