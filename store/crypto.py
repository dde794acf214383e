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
from core.settings import MissingSecret, NonghuiSettings, secret_or_dev_file, secret_value

KEY_ENV = "NONGHUI_DATA_KEY"
KEY_BYTES = 32
_NONCE_BYTES = 12
_FORMAT_V1 = b"\x01"  # nonce + ciphertext; the field name is the associated data
_FORMAT_V2 = b"\x02"  # key id + nonce + ciphertext; field name and context (e.g. the reference) are associated
_KEY_ID_BYTES = 4

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


def cipher_from_settings(settings: NonghuiSettings) -> FieldCipher:
    """The field cipher of the configured data key, opening values of the previous keys too (after a rotation)."""
    key = require_key(settings.env, value=secret_value(settings.data_key), home=settings.home)
    previous = secret_value(settings.data_keys_previous) or ""
    return FieldCipher(key, previous=tuple(decode_key(each) for each in previous.split(",") if each.strip()))


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"nonghui/" + purpose).derive(key)


class FieldCipher:
    """AES-256-GCM for single fields and HMAC-SHA256 look-ups.

    The field name and a context (the application reference, the conversation) are bound in as associated data,
    so a value copied to another row or field does not open. Each value names the key that sealed it (a key id),
    so `previous` keys still open older values after a rotation; values from before key ids (format 1) open too.
    """

    def __init__(self, key: bytes, previous: tuple[bytes, ...] = ()) -> None:
        for each in (key, *previous):
            if len(each) != KEY_BYTES:
                raise DataKeyError(f"the data key must be {KEY_BYTES} bytes")
        self._key_id = key_id(key)
        self._aeads = {key_id(each): AESGCM(_derive(each, b"field-encryption")) for each in (*previous, key)}
        self._aead = self._aeads[self._key_id]
        self._mac_key = _derive(key, b"lookup-hash")

    def encrypt(self, plaintext: str, *, field: str, context: str = "") -> bytes:
        """Encrypt one value; a fresh random nonce each time, so equal values give different ciphertexts."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _associated(field, context))
        return _FORMAT_V2 + self._key_id + nonce + sealed

    def decrypt(self, blob: bytes, *, field: str, context: str = "") -> str:
        """Decrypt a value stored by `encrypt` for the same field and context; DataKeyError on a wrong key or
        tampering."""
        if blob[:1] == _FORMAT_V2 and len(blob) >= 1 + _KEY_ID_BYTES + _NONCE_BYTES + 16:
            aead = self._aeads.get(blob[1 : 1 + _KEY_ID_BYTES])
            if aead is None:
                raise DataKeyError("stored value was sealed with a key that is not configured")
            body = blob[1 + _KEY_ID_BYTES :]
            return _open(aead, body, _associated(field, context))
        if blob[:1] == _FORMAT_V1 and len(blob) >= 1 + _NONCE_BYTES + 16:
            for aead in reversed(self._aeads.values()):  # the current key first
                try:
                    return _open(aead, blob[1:], field.encode("ascii"))
                except DataKeyError:
                    continue
            raise DataKeyError("stored value does not open with this key (wrong key or altered data)")
        raise DataKeyError("unknown ciphertext format")

    def lookup_hash(self, value: str, *, field: str) -> str:
        """Keyed hash (hex) of a normalised value, to find records without decrypting every row."""
        message = field.encode("ascii") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._mac_key, message, hashlib.sha256).hexdigest()


def key_id(key: bytes) -> bytes:
    """A short public name of a key (not the key): which key sealed a stored value."""
    return _derive(key, b"key-id")[:_KEY_ID_BYTES]


def _associated(field: str, context: str) -> bytes:
    return field.encode("ascii") + b"\x00" + context.encode("utf-8")


def _open(aead: AESGCM, body: bytes, associated: bytes) -> str:
    nonce, sealed = body[:_NONCE_BYTES], body[_NONCE_BYTES:]
    try:
        return aead.decrypt(nonce, sealed, associated).decode("utf-8")
    except InvalidTag as exc:
        raise DataKeyError("stored value does not open with this key (wrong key or altered data)") from exc
