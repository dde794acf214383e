"""What the WeChat channel remembers per farmer, in the state all bot workers share: the buttons last offered,
the language last answered in, when the farmer last wrote and how many customer-service messages they got since."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from bot.channel import SharedState
from bot.messages import Button
from core.lang import Lang

SCOPE = "wechat"
CONVERSATION_TTL = 30 * 24 * 3600.0
MAX_OFFERS = 5


class FarmerMemory:
    """Per-farmer values of the channel (keys carry the openid; values are small text)."""

    def __init__(self, state: SharedState, *, window_hours: float, clock: Callable[[], float] = time.time) -> None:
        self._state = state
        self._window_seconds = window_hours * 3600.0
        self._clock = clock

    def new_offer_id(self) -> str:
        """A short id for the next set of buttons (links of older messages keep pointing at their own set)."""
        return secrets.token_hex(2)

    def _record(self, openid: str) -> dict[str, Any]:
        try:
            known = json.loads(self._state.get(SCOPE, f"conv:{openid}") or "{}")
        except ValueError:
            return {}
        return known if isinstance(known, dict) else {}

    def remember_answer(self, openid: str, offer: str, buttons: Sequence[Button], lang: Lang | None) -> None:
        """The buttons just offered under `offer` (numbered from 1) and the answer's language, in one write.
        Typed numbers refer to the newest set only, so an answer without buttons makes them plain text again;
        tapped links of the last few sets still work."""
        known = self._record(openid)
        offers: dict[str, list[list[str]]] = dict(known.get("offers") or {})
        if buttons:
            offers[offer] = [[b.title, b.payload] for b in buttons]
            offers = dict(list(offers.items())[-MAX_OFFERS:])
        value = {"current": offer if buttons else None, "offers": offers, "lang": lang or known.get("lang")}
        self._state.put(SCOPE, f"conv:{openid}", json.dumps(value, ensure_ascii=False), ttl=CONVERSATION_TTL)

    def button(self, openid: str, number: int, offer: str | None = None) -> Button | None:
        """Button `number` (1-based) of set `offer` (a tapped link), or of the newest set (a typed number)."""
        known = self._record(openid)
        chosen = offer or known.get("current")
        try:
            title, payload = known["offers"][chosen][number - 1] if chosen and number >= 1 else (None, None)
        except (IndexError, TypeError, KeyError, ValueError):
            return None
        return Button(title=str(title), payload=str(payload)) if title is not None else None

    def lang(self, openid: str) -> Lang | None:
        """The language of the last answer, or None."""
        value = self._record(openid).get("lang")
        return value if value in ("zh", "en") else None

    def farmer_wrote(self, openid: str) -> None:
        """The farmer wrote: the customer-service window opens for another 48 hours and the quota starts again."""
        self._state.put(SCOPE, f"window:{openid}", f"{self._clock():.3f}|0", ttl=self._window_seconds)

    def _window(self, openid: str) -> tuple[str | None, float | None, int]:
        value = self._state.get(SCOPE, f"window:{openid}")
        if not value:
            return None, None, 0
        wrote, _, used = value.partition("|")
        try:
            return value, float(wrote), int(used or 0)
        except ValueError:
            return value, None, 0

    def window_open(self, openid: str) -> bool:
        """False when the farmer is not known to have written within the window."""
        _value, wrote, _used = self._window(openid)
        return wrote is not None and self._clock() - wrote < self._window_seconds

    def take_quota(self, openid: str, quota: int) -> bool:
        """Count one customer-service message against the farmer's quota; False when none is left. Without a
        record of the farmer's last message (e.g. it expired), WeChat itself decides."""
        for _ in range(8):
            value, wrote, used = self._window(openid)
            if value is None or wrote is None:
                return True
            if used >= quota:
                return False
            ttl = max(1.0, self._window_seconds - (self._clock() - wrote))
            if self._state.swap(SCOPE, f"window:{openid}", value, f"{wrote:.3f}|{used + 1}", ttl=ttl):
                return True
        return False

    def quota_left(self, openid: str, quota: int) -> int:
        """Customer-service messages the farmer may still get before writing again."""
        _value, _wrote, used = self._window(openid)
        return max(0, quota - used)

    def record_unsubscribe(self, openid: str) -> None:
        """The farmer unfollowed the account (kept until they follow again)."""
        self._state.put(SCOPE, f"unsubscribed:{openid}", f"{self._clock():.0f}")

    def record_subscribe(self, openid: str) -> None:
        """The farmer follows the account (again)."""
        self._state.discard(SCOPE, f"unsubscribed:{openid}")

    def unsubscribed_at(self, openid: str) -> float | None:
        """When the farmer unfollowed, or None while they follow."""
        value = self._state.get(SCOPE, f"unsubscribed:{openid}")
        return float(value) if value else None
