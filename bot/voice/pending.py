"""Transcripts read back and waiting for the farmer's 对, kept where every bot worker sees them.

Any worker may receive the tap on 对 (several bot workers behind a load balancer), so the read-back's pending
transcript lives in the shared state the channels already use (bot/channel.py `SharedState`: the database, or Redis)
with a time to live, never in a worker's memory. A transcript may hold an ID or phone number: it is stored sealed
with the data key (AES-GCM, bound to the conversation, store/crypto.py), like the numbers of typed text.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import cast

from bot.channel import SharedState
from core.lang import Lang
from store.crypto import DataKeyError, FieldCipher

_LOG = logging.getLogger(__name__)

SCOPE = "voice_pending"
_FIELD = "voice-pending"
_TAKEN = "-"


@dataclass(frozen=True)
class PendingTranscript:
    """A transcript shown to the farmer and not yet confirmed."""

    text: str
    lang: Lang
    seconds: float


class SharedPendingTranscripts:
    """The pending transcripts of every conversation, sealed in the shared state (see the module doc)."""

    def __init__(self, state: SharedState, cipher: FieldCipher, *, ttl_seconds: float = 30 * 60.0) -> None:
        self._state = state
        self._cipher = cipher
        self._ttl = ttl_seconds

    def keep(self, sender_id: str, pending: PendingTranscript) -> None:
        """Remember the transcript read back to `sender_id` (replacing an older one), for `ttl_seconds`."""
        plain = json.dumps(asdict(pending), ensure_ascii=False)
        sealed = self._cipher.encrypt(plain, field=_FIELD, context=sender_id)
        try:
            self._state.put(SCOPE, sender_id, base64.urlsafe_b64encode(sealed).decode("ascii"), ttl=self._ttl)
        except Exception as err:  # the farmer's 对 then gets "expired, please say it again", never a wrong turn
            _LOG.error("could not keep a pending transcript: %s", type(err).__name__)

    def take(self, sender_id: str) -> PendingTranscript | None:
        """The pending transcript, removed so that only one tap (on any worker) uses it; None when absent,
        expired or already taken."""
        try:
            value = self._state.get(SCOPE, sender_id)
            if not value or value == _TAKEN:
                return None
            if not self._state.swap(SCOPE, sender_id, value, _TAKEN, ttl=60.0):
                return None  # another worker took it first (a double tap)
            self._state.discard(SCOPE, sender_id)
        except Exception as err:
            _LOG.error("could not read a pending transcript: %s", type(err).__name__)
            return None
        try:
            plain = self._cipher.decrypt(base64.urlsafe_b64decode(value), field=_FIELD, context=sender_id)
        except (DataKeyError, ValueError) as err:
            _LOG.warning("a pending transcript did not open: %s", type(err).__name__)
            return None
        data = json.loads(plain)
        return PendingTranscript(str(data["text"]), cast(Lang, data["lang"]), float(data["seconds"]))

    def drop(self, sender_id: str) -> None:
        """Forget the conversation's pending transcript (a new note replaces it)."""
        try:
            self._state.discard(SCOPE, sender_id)
        except Exception as err:
            _LOG.warning("could not drop a pending transcript: %s", type(err).__name__)


class ProcessState:
    """A `SharedState` in this process's memory: for one bot process alone and for tests, never for several
    workers (the composition root passes the database or Redis)."""

    def __init__(self, clock: object = time.monotonic, max_entries: int = 10_000) -> None:
        self._values: dict[tuple[str, str], tuple[str, float | None]] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._max = max_entries

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]

    def _live(self, scope: str, key: str) -> str | None:
        found = self._values.get((scope, key))
        if found is None:
            return None
        value, expires = found
        if expires is not None and expires <= self._now():
            del self._values[(scope, key)]
            return None
        return value

    def _set(self, scope: str, key: str, value: str, ttl: float | None) -> None:
        self._values.pop((scope, key), None)
        self._values[(scope, key)] = (value, None if ttl is None else self._now() + ttl)
        while len(self._values) > self._max:
            del self._values[next(iter(self._values))]

    def get(self, scope: str, key: str) -> str | None:
        """The value, or None when absent or expired."""
        with self._lock:
            return self._live(scope, key)

    def put(self, scope: str, key: str, value: str, *, ttl: float | None = None) -> None:
        """Set the value, living `ttl` seconds (None: until replaced)."""
        with self._lock:
            self._set(scope, key, value, ttl)

    def add(self, scope: str, key: str, value: str, *, ttl: float | None = None) -> bool:
        """Set the value only when absent or expired; True when this call set it."""
        with self._lock:
            if self._live(scope, key) is not None:
                return False
            self._set(scope, key, value, ttl)
            return True

    def swap(self, scope: str, key: str, expected: str, value: str, *, ttl: float | None = None) -> bool:
        """Replace the value only while it is `expected`; True when this call replaced it."""
        with self._lock:
            if self._live(scope, key) != expected:
                return False
            self._set(scope, key, value, ttl)
            return True

    def discard(self, scope: str, key: str) -> None:
        """Remove the value if present."""
        with self._lock:
            self._values.pop((scope, key), None)
