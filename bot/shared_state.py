"""Opens the state all bot workers share (bot/channel.py `SharedState`): the database, or Redis when configured."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.channel import SharedState
from bot.settings import BotSettings
from store.channel_state import SqlChannelState


def open_shared_state(settings: BotSettings, sessions: sessionmaker[Session]) -> SharedState:
    """Redis at `channel_state_url` when set (redis:// or rediss://), else the database of `sessions`."""
    url = settings.channel_state_url
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        from store.channel_state_redis import RedisChannelState

        return RedisChannelState.from_url(url)
    return SqlChannelState(sessions)
