"""Encryption at rest for personal data (resident ID, phone) and keyed hashes for look-ups.

The data key is the `data_key` setting (`NONGHUI_DATA_KEY`: 32 random bytes, URL-safe base64). In development a key
is generated once under `<home>/secrets/` with a warning; in production a missing key refuses to start.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import NonghuiError
from core.settings import MissingSecret, secret_or_dev_file

KEY_ENV = "NONGHUI_DATA_KEY"
KEY_BYTES = 32
_NONCE_BYTES = 12
_FORMAT_V1 = b"\x01"

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


def require_key(env: str, *, value: str | None, home: Path) -> bytes:
    """The data key for `env` ("production" or "development") from the `data_key` setting's `value`.

    Production: only the setting, else DataKeyError. Development: the setting if set, else a key generated once
    and kept (mode 600) in `home/secrets/data.key`, with a warning.
    """
    try:
        text = secret_or_dev_file(
            value,
            name="data_key",
            env=env,
            home=home,
            generate=generate_key,
            reason="personal data is never stored unencrypted",
            what="data key",
            logger=log,
        )
    except MissingSecret as exc:
        raise DataKeyError(str(exc)) from None
    return decode_key(text)


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
