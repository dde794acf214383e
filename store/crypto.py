"""Encryption at rest for personal data (resident ID, phone) and keyed hashes for look-ups.

The data key comes from `NONGHUI_DATA_KEY` (32 random bytes, URL-safe base64). In development a key is generated
once under `$NONGHUI_HOME/secrets/` with a warning; in production a missing key refuses to start.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import NonghuiError

KEY_ENV = "NONGHUI_DATA_KEY"
KEY_BYTES = 32
_NONCE_BYTES = 12
_FORMAT_V1 = b"\x01"
DEV_KEY_FILE = Path("secrets") / "data.key"

log = logging.getLogger(__name__)


class DataKeyError(NonghuiError):
    """The data key is missing where it is required, malformed, or does not open a stored value."""


def generate_key() -> str:
    """A fresh data key as URL-safe base64 text (what `NONGHUI_DATA_KEY` holds)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def decode_key(text: str) -> bytes:
    """The 32 key bytes from their base64 text; DataKeyError when malformed."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise DataKeyError(f"{KEY_ENV} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"{KEY_ENV} must decode to {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def _home(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("NONGHUI_HOME") or Path.home() / ".cache" / "nonghui")


def require_key(env: str, *, environ: Mapping[str, str] | None = None, home: Path | None = None) -> bytes:
    """The data key for `env` ("production" or "development").

    Production: only from the environment, else DataKeyError. Development: the environment if set, else a key
    generated once and kept (mode 600) in `$NONGHUI_HOME/secrets/data.key`, with a warning.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(KEY_ENV, "").strip()
    if value:
        return decode_key(value)
    if env == "production":
        raise DataKeyError(f"{KEY_ENV} must be set in production: personal data is never stored unencrypted")
    path = (home or _home(environ)) / DEV_KEY_FILE
    if path.exists():
        log.warning("using the development data key in %s; set %s in production", path, KEY_ENV)
        return decode_key(path.read_text(encoding="ascii"))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(generate_key())
    log.warning("generated a development data key in %s; set %s in production", path, KEY_ENV)
    return decode_key(path.read_text(encoding="ascii"))


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"nonghui/" + purpose).derive(key)


class FieldCipher:
    """AES-256-GCM for single fields (the field name is bound in as associated data) and HMAC-SHA256 look-ups."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise DataKeyError(f"the data key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(_derive(key, b"field-encryption"))
        self._mac_key = _derive(key, b"lookup-hash")

    def encrypt(self, plaintext: str, *, field: str) -> bytes:
        """Encrypt one value; a fresh random nonce each time, so equal values give different ciphertexts."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext.encode("utf-8"), field.encode("ascii"))

    def decrypt(self, blob: bytes, *, field: str) -> str:
        """Decrypt a value stored by `encrypt` for the same field; DataKeyError on a wrong key or tampering."""
        if blob[:1] != _FORMAT_V1 or len(blob) < 1 + _NONCE_BYTES + 16:
            raise DataKeyError("unknown ciphertext format")
        nonce, body = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, field.encode("ascii")).decode("utf-8")
        except InvalidTag as exc:
            raise DataKeyError("stored value does not open with this key (wrong key or altered data)") from exc

    def lookup_hash(self, value: str, *, field: str) -> str:
        """Keyed hash (hex) of a normalised value, to find records without decrypting every row."""
        message = field.encode("ascii") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._mac_key, message, hashlib.sha256).hexdigest()
