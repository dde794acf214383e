"""Fits button payloads into a channel's limit for button data (Telegram: 64-byte `callback_data`)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

CALLBACK_DATA_MAX_BYTES = 64
LONG_PAYLOAD_PREFIX = "cb:"
CHANNEL_PREFIX = "nh:"
_RESERVED_PREFIXES = (LONG_PAYLOAD_PREFIX, CHANNEL_PREFIX)


class CallbackPayloads:
    """Encodes button payloads as callback data and resolves them back; remembers the newest long ones."""

    def __init__(self, max_entries: int = 4096) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self._max_entries = max_entries
        self._long: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._long)

    def encode(self, payload: str) -> str:
        """Return callback data for `payload`: the payload itself when it fits, else `cb:<hash>`."""
        fits = len(payload.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES
        if fits and not payload.startswith(_RESERVED_PREFIXES):
            return payload
        key = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]
        self._long[key] = payload
        self._long.move_to_end(key)
        while len(self._long) > self._max_entries:
            self._long.popitem(last=False)
        return f"{LONG_PAYLOAD_PREFIX}{key}"

    def resolve(self, data: str) -> str | None:
        """Return the payload behind callback `data`, or None when a long payload was forgotten (expired)."""
        if not data.startswith(LONG_PAYLOAD_PREFIX):
            return data
        key = data[len(LONG_PAYLOAD_PREFIX) :]
        payload = self._long.get(key)
        if payload is not None:
            self._long.move_to_end(key)
        return payload
