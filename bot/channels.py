"""The channels of the bot process, in the order campaign posters prefer their links.

Adding a channel: a folder under bot/ with an adapter (bot/channel.py), a row in core/channels.py, an entry
here, and its settings in bot/settings.py.
"""

from __future__ import annotations

from bot.channel import ChannelAdapter
from bot.settings import BotSettings
from bot.telegram.channel import TelegramChannel
from bot.web.channel import WebChannel


def all_channels(settings: BotSettings) -> list[ChannelAdapter]:
    """Every channel, configured from `settings` (nothing started); `enabled` tells which ones run."""
    return [TelegramChannel(settings), WebChannel(settings)]


def enabled_channels(settings: BotSettings) -> list[ChannelAdapter]:
    """The channels this bot process serves."""
    return [channel for channel in all_channels(settings) if channel.enabled]
