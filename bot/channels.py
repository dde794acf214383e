"""The channels of the bot process, in the order campaign posters prefer their links.

Adding a channel: a folder under bot/ with an adapter (bot/channel.py), a row in core/channels.py, an entry
here, and its settings in bot/settings.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from bot.channel import ChannelAdapter, ChannelDeps, Sender
from bot.settings import BotSettings
from bot.telegram.channel import TelegramChannel
from bot.web.channel import WebChannel
from bot.wechat.channel import WeChatChannel

# The list of channels: one entry per channel, each built from the settings alone.
CHANNELS: tuple[Callable[[BotSettings], ChannelAdapter], ...] = (TelegramChannel, WebChannel, WeChatChannel)


def all_channels(settings: BotSettings) -> list[ChannelAdapter]:
    """Every channel, configured from `settings` (nothing started); `enabled` tells which ones run."""
    return [make(settings) for make in CHANNELS]


def enabled_channels(settings: BotSettings) -> list[ChannelAdapter]:
    """The channels this bot process serves."""
    return [channel for channel in all_channels(settings) if channel.enabled]


@asynccontextmanager
async def running_channels(
    channels: Sequence[ChannelAdapter], deps: ChannelDeps, senders: dict[str, Sender]
) -> AsyncIterator[list[ChannelAdapter]]:
    """Start the channels in order and put each outbound sender into `senders` (by channel name); on leaving,
    stop the started ones in reverse order."""
    started: list[ChannelAdapter] = []
    try:
        for channel in channels:
            await channel.start(deps)
            started.append(channel)
            sender = channel.sender()
            if sender is not None:
                senders[channel.name] = sender
        yield started
    finally:
        for channel in reversed(started):
            await channel.stop()
