"""Signed deep-link payloads: `<placement code>-<mac>` within Telegram's `start` rules (1–64 of A–Z a–z 0–9 _ -)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Final, Literal

from core.errors import NonghuiError

# Telegram accepts 1–64 characters of this alphabet after `?start=`.
TELEGRAM_PAYLOAD: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CODE_PATTERN: Final = re.compile(r"^[a-z0-9]{4,16}$")
MAC_CHARS: Final = 10  # 50 bits of base32: guessing a valid payload is hopeless, the QR stays small
SEPARATOR: Final = "-"
_DOMAIN: Final = b"nonghui/campaign-payload/v1\x00"
_CODE_ALPHABET: Final = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l look-alikes on printed posters
_PAYLOAD: Final = re.compile(rf"^(?P<code>[a-z0-9]{{4,16}}){SEPARATOR}(?P<mac>[a-z2-7]{{{MAC_CHARS}}})$")

Outcome = Literal["campaign", "unknown"]


class PayloadError(NonghuiError):
    """A placement code or signing key that cannot be used to make a payload."""


@dataclass(frozen=True)
class PayloadCheck:
    """What a received payload proved: a placement code (outcome "campaign") or nothing ("unknown")."""

    outcome: Outcome
    code: str | None = None


def new_placement_code(length: int = 6) -> str:
    """A random, easy-to-read placement code (lower-case letters and digits without look-alikes)."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


class PayloadSigner:
    """Makes and checks payloads with an HMAC-SHA256 under the campaign key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise PayloadError("the campaign signing key must be at least 16 bytes")
        self._key = key

    def _mac(self, code: str) -> str:
        digest = hmac.new(self._key, _DOMAIN + code.encode("ascii"), hashlib.sha256).digest()
        return base64.b32encode(digest).decode("ascii").lower()[:MAC_CHARS]

    def sign(self, code: str) -> str:
        """The payload for a placement code; PayloadError when the code is not 4–16 of a–z 0–9."""
        if not CODE_PATTERN.match(code):
            raise PayloadError(f"placement code {code!r} must be 4–16 lower-case letters or digits")
        payload = f"{code}{SEPARATOR}{self._mac(code)}"
        if not TELEGRAM_PAYLOAD.match(payload):  # pragma: no cover - guaranteed by the patterns above
            raise PayloadError("payload does not fit Telegram's rules")
        return payload

    def check(self, payload: object) -> PayloadCheck:
        """Verify anything a farmer's client sent; never raises: forged, mistyped or odd input is "unknown"."""
        if not isinstance(payload, str) or not TELEGRAM_PAYLOAD.match(payload):
            return PayloadCheck("unknown")
        match = _PAYLOAD.match(payload)
        if match is None:
            return PayloadCheck("unknown")
        code = match.group("code")
        if not hmac.compare_digest(self._mac(code), match.group("mac")):
            return PayloadCheck("unknown")
        return PayloadCheck("campaign", code)
