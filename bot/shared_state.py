"""State several bot workers share: small expiring values for the channels (bot/channel.py `SharedState`: the
database, or Redis when configured) and, with several workers, the language each farmer last used (Redis).

With one bot process the in-memory `LanguageMemory` (bot/conversation.py) is enough; with several workers behind
a load balancer any worker may take a farmer's next turn, so the memory lives in Redis under
`<prefix>lang:<sender id>` (expires after `ttl_seconds`). Redis trouble never costs an answer: the memory then
simply does not know the language, and the farmer's text (or Rasa's `lang` slot) decides.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.channel import SharedState
from bot.settings import BotSettings
from core.lang import Lang
from store.channel_state import SqlChannelState

log = logging.getLogger(__name__)
_LANGS: tuple[Lang, ...] = ("zh", "en")


class RedisLanguageMemory:
    """The last reply language of each sender, kept in Redis so every bot worker sees it."""

    def __init__(self, client: Any, prefix: str = "nonghui:", ttl_seconds: int = 30 * 24 * 3600) -> None:
        self._redis = client
        self._prefix = f"{prefix}lang:"
        self._ttl = ttl_seconds

    def get(self, sender_id: str) -> Lang | None:
        """The sender's last language, or None when unknown or Redis cannot say."""
        try:
            value = self._redis.get(self._prefix + sender_id)
        except Exception as exc:  # a Redis outage must not cost the farmer an answer
            log.warning("language memory unavailable: %s", type(exc).__name__)
            return None
        lang = value.decode() if isinstance(value, bytes) else value
        return lang if lang in _LANGS else None

    def remember(self, sender_id: str, lang: Lang) -> None:
        """Store the sender's language (best effort)."""
        try:
            self._redis.set(self._prefix + sender_id, lang, ex=self._ttl)
        except Exception as exc:
            log.warning("could not remember a language: %s", type(exc).__name__)


def redis_client(url: str) -> Any:
    """A Redis client for `url` with short timeouts (a slow Redis must not hold a farmer's turn)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def open_shared_state(settings: BotSettings, sessions: sessionmaker[Session]) -> SharedState:
    """Redis at `channel_state_url` when set (redis:// or rediss://), else the database of `sessions`."""
    url = settings.channel_state_url
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        from store.channel_state_redis import RedisChannelState

        return RedisChannelState.from_url(url)
    return SqlChannelState(sessions)


async def purge_expired_values(state: SharedState, interval_seconds: float) -> None:
    """Delete expired values now and then every `interval_seconds` until cancelled (the database keeps expired rows
    until then, e.g. the sealed transcript of a voice note never confirmed; Redis expires its keys itself)."""
    purge = getattr(state, "purge_expired", None)
    if purge is None:
        return
    while True:
        try:
            gone = await asyncio.to_thread(purge)
            if gone:
                log.info("shared state: %d expired values deleted", gone)
        except Exception as exc:
            log.warning("could not delete expired shared values: %s", type(exc).__name__)
        await asyncio.sleep(interval_seconds)
