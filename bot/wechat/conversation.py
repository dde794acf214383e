"""What the WeChat channel remembers per farmer, in the state all bot workers share: the buttons last offered,
the language last answered in, when the farmer last wrote and how many customer-service messages they got since."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence

from bot.channel import SharedState
from bot.messages import Button
from core.lang import Lang

SCOPE = "wechat"
BUTTONS_TTL = 7 * 24 * 3600.0
LANG_TTL = 90 * 24 * 3600.0
MAX_OFFERS = 5


class FarmerMemory:
    """Per-farmer values of the channel (keys carry the openid; values are small text)."""

    def __init__(self, state: SharedState, *, window_hours: float, clock: Callable[[], float] = time.time) -> None:
        self._state = state
        self._window = window_hours * 3600.0
        self._clock = clock

    def new_offer_id(self) -> str:
        """A short id for the next set of buttons (links of older messages keep pointing at their own set)."""
        return secrets.token_hex(2)

    def remember_buttons(self, openid: str, offer: str, buttons: Sequence[Button]) -> None:
        """The buttons just offered under `offer` (numbered from 1). Typed numbers refer to the newest set only,
        so an answer without buttons makes them plain text again; tapped links of the last few sets still work."""
        key = f"buttons:{openid}"
        try:
            known = json.loads(self._state.get(SCOPE, key) or "{}")
        except ValueError:
            known = {}
        offers: dict[str, list[list[str]]] = dict(known.get("offers", {})) if isinstance(known, dict) else {}
        if buttons:
            offers[offer] = [[b.title, b.payload] for b in buttons]
            offers = dict(list(offers.items())[-MAX_OFFERS:])
        value = {"current": offer if buttons else None, "offers": offers}
        self._state.put(SCOPE, key, json.dumps(value, ensure_ascii=False), ttl=BUTTONS_TTL)

    def button(self, openid: str, number: int, offer: str | None = None) -> Button | None:
        """Button `number` (1-based) of set `offer` (a tapped link), or of the newest set (a typed number)."""
        try:
            known = json.loads(self._state.get(SCOPE, f"buttons:{openid}") or "{}")
            chosen = offer or known.get("current")
            if not chosen or number < 1:
                return None
            title, payload = known["offers"][chosen][number - 1]
        except (ValueError, IndexError, TypeError, KeyError, AttributeError):
            return None
        return Button(title=str(title), payload=str(payload))

    def remember_lang(self, openid: str, lang: Lang) -> None:
        """The language of the last answer (for the channel's own texts)."""
        self._state.put(SCOPE, f"lang:{openid}", lang, ttl=LANG_TTL)

    def lang(self, openid: str) -> Lang | None:
        """The language of the last answer, or None."""
        value = self._state.get(SCOPE, f"lang:{openid}")
        return value if value in ("zh", "en") else None  # type: ignore[return-value]

    def farmer_wrote(self, openid: str) -> None:
        """The farmer wrote: the customer-service window opens for another 48 hours and the quota starts again."""
        self._state.put(SCOPE, f"last_in:{openid}", f"{self._clock():.3f}", ttl=self._window)
        self._state.put(SCOPE, f"cs_used:{openid}", "0", ttl=self._window)

    def window_open(self, openid: str) -> bool:
        """False when the farmer is known to have last written more than the window ago (or never here)."""
        value = self._state.get(SCOPE, f"last_in:{openid}")
        return value is not None and self._clock() - float(value) < self._window

    def take_quota(self, openid: str, quota: int) -> bool:
        """Count one customer-service message against the farmer's quota; False when none is left."""
        for _ in range(8):
            current = self._state.get(SCOPE, f"cs_used:{openid}")
            used = int(current) if current and current.isdigit() else 0
            if used >= quota:
                return False
            if current is None:
                if self._state.add(SCOPE, f"cs_used:{openid}", "1", ttl=self._window):
                    return True
                continue
            if self._state.swap(SCOPE, f"cs_used:{openid}", current, str(used + 1), ttl=self._window):
                return True
        return False

    def quota_left(self, openid: str, quota: int) -> int:
        """Customer-service messages the farmer may still get before writing again."""
        current = self._state.get(SCOPE, f"cs_used:{openid}")
        used = int(current) if current and current.isdigit() else 0
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
