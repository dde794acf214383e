"""Encryption at rest for personal data (resident ID, phone) and keyed hashes for look-ups.

The data key is the `data_key` setting (`NONGHUI_DATA_KEY`: 32 random bytes, URL-safe base64). In development a key
is generated once under `<home>/secrets/` with a warning; in production a missing key refuses to start. Only the bot
and its staff console hold it (and the earlier keys of `NONGHUI_DATA_KEYS_PREVIOUS`).

Three kinds of values, three keys, all derived from the data key (HKDF-SHA256, one purpose label each):

- A stored application's personal fields are *sealed to a public key* (format 3): X25519 ephemeral-static key
  agreement with the data key's X25519 key pair, HKDF-SHA256, AES-256-GCM, the field name and the application
  reference as associated data. Sealing needs only the public key (`FieldSealer`), opening the private key, which
  only `FieldCipher` (the data key) derives. The action server stores applications with a `FieldSealer`: it can
  write the archive but never read it back.
- Short-lived number drafts (store/number_drafts.py) use their own symmetric "draft key": the bot seals typed
  numbers with it, the action server opens them for the form. Whoever takes the action server's key holds at most
  the drafts alive at that moment (hours), never the applications.
- Look-up hashes (HMAC-SHA256) use the same derived "lookup" key as always, so stored hashes keep matching.

`derive_action_keys` makes the action server's three (public key, draft key, lookup key) from the data key; the
supervisor and the integration harness pass them in `NONGHUI_SEAL_PUBLIC_KEY`, `NONGHUI_DRAFT_KEY` and
`NONGHUI_LOOKUP_KEY`, and the action server reads nothing else (`action_keys_from_settings`). Older formats
(1: field-bound AES-GCM; 2: with a key id and the reference bound in) still open with `FieldCipher`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import NonghuiError
from core.settings import ENV_PREFIX, MissingSecret, NonghuiSettings, secret_or_dev_file, secret_value

KEY_ENV = "NONGHUI_DATA_KEY"
SEAL_PUBLIC_KEY_ENV = f"{ENV_PREFIX}SEAL_PUBLIC_KEY"
DRAFT_KEY_ENV = f"{ENV_PREFIX}DRAFT_KEY"
LOOKUP_KEY_ENV = f"{ENV_PREFIX}LOOKUP_KEY"
KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
_FORMAT_V1 = b"\x01"  # nonce + ciphertext; the field name is the associated data
_FORMAT_V2 = b"\x02"  # key id + nonce + ciphertext; field name and context (e.g. the reference) are associated
_FORMAT_V3 = b"\x03"  # public key id + ephemeral X25519 public key + nonce + ciphertext; same associated data
_KEY_ID_BYTES = 4
_PUBLIC_BYTES = 32

log = logging.getLogger(__name__)


class DataKeyError(NonghuiError):
    """The data key is missing where it is required, malformed, or does not open a stored value."""


def generate_key() -> str:
    """A fresh data key as URL-safe base64 text (what `NONGHUI_DATA_KEY` holds)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def encode_key(raw: bytes) -> str:
    """Key bytes as the URL-safe base64 text the settings hold."""
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_key(text: str, *, name: str = KEY_ENV) -> bytes:
    """The 32 key bytes from their base64 text; DataKeyError (naming the setting `name`) when malformed."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise DataKeyError(f"{name} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"{name} must decode to {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def require_key(env: str, *, value: str | None, home: Path) -> bytes:
    """The data key for `env` ("production" or "development") from the `data_key` setting's `value`.

    Production: only the setting, else DataKeyError. Development: the setting if set, else a key generated once
    and kept (mode 600) in `home/secrets/data.key`, with a warning. Never called by the action server.
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


def data_key_from_settings(settings: NonghuiSettings) -> bytes:
    """The configured data key (bot, console and supervisor only)."""
    return require_key(settings.env, value=secret_value(settings.data_key), home=settings.home)


def cipher_from_settings(settings: NonghuiSettings) -> FieldCipher:
    """The field cipher of the configured data key, opening values of the previous keys too (after a rotation)."""
    previous = secret_value(settings.data_keys_previous) or ""
    return FieldCipher(
        data_key_from_settings(settings),
        previous=tuple(
            decode_key(each, name="NONGHUI_DATA_KEYS_PREVIOUS") for each in previous.split(",") if each.strip()
        ),
    )


def draft_cipher_from_settings(settings: NonghuiSettings) -> FieldCipher:
    """The bot's cipher of number drafts: the draft key derived from the configured data key."""
    return FieldCipher(draft_key(data_key_from_settings(settings)))


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"nonghui/" + purpose).derive(key)


def draft_key(data_key: bytes) -> bytes:
    """The symmetric key of short-lived number drafts, derived from the data key (opens no application)."""
    return _derive(data_key, b"number-drafts")


def lookup_key(data_key: bytes) -> bytes:
    """The HMAC key of look-up hashes, derived from the data key (the same one since format 1)."""
    return _derive(data_key, b"lookup-hash")


def _seal_private_key(data_key: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_derive(data_key, b"sealed-fields-x25519"))


def seal_public_key(data_key: bytes) -> bytes:
    """The public key applications' personal fields are sealed to (its private key only the data key derives)."""
    return _public_bytes(_seal_private_key(data_key).public_key())


def _public_bytes(public: X25519PublicKey) -> bytes:
    return public.public_bytes_raw()


def _seal_key_id(public: bytes) -> bytes:
    return hashlib.sha256(b"nonghui/seal-key-id\x00" + public).digest()[:_KEY_ID_BYTES]


def _seal_aead(shared: bytes, ephemeral: bytes, recipient: bytes) -> AESGCM:
    info = b"nonghui/sealed-field"
    return AESGCM(
        HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=ephemeral + recipient, info=info).derive(shared)
    )


class FieldSealer:
    """Encrypt-only: seals fields to the data key's public key and computes look-up hashes; opens nothing.

    What the action server stores applications with: it holds the public key and the lookup key, never a key
    that opens a stored application."""

    def __init__(self, public_key: bytes, lookup_key: bytes) -> None:
        if len(public_key) != _PUBLIC_BYTES or len(lookup_key) != KEY_BYTES:
            raise DataKeyError(f"the sealing key and the lookup key must be {KEY_BYTES} bytes")
        self._public = public_key
        self._recipient = X25519PublicKey.from_public_bytes(public_key)
        self._key_id = _seal_key_id(public_key)
        self._mac_key = lookup_key

    def seal(self, plaintext: str, *, field: str, context: str = "") -> bytes:
        """Seal one value to the public key (format 3): a fresh ephemeral key and nonce each time."""
        ephemeral = X25519PrivateKey.generate()
        ephemeral_public = _public_bytes(ephemeral.public_key())
        aead = _seal_aead(ephemeral.exchange(self._recipient), ephemeral_public, self._public)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = aead.encrypt(nonce, plaintext.encode("utf-8"), _associated(field, context))
        return _FORMAT_V3 + self._key_id + ephemeral_public + nonce + sealed

    def lookup_hash(self, value: str, *, field: str) -> str:
        """Keyed hash (hex) of a normalised value, to find records without decrypting every row."""
        message = field.encode("ascii") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._mac_key, message, hashlib.sha256).hexdigest()


class FieldCipher:
    """The data key's cipher: AES-256-GCM for single fields, opening sealed (format 3) values, and look-ups.

    The field name and a context (the application reference, the conversation) are bound in as associated data,
    so a value copied to another row or field does not open. Each value names the key that sealed it (a key id),
    so `previous` keys still open older values after a rotation; values from before key ids (format 1) open too.
    `seal` and `lookup_hash` are those of `sealer()`, the encrypt-only part the action server gets.
    """

    def __init__(self, key: bytes, previous: tuple[bytes, ...] = ()) -> None:
        for each in (key, *previous):
            if len(each) != KEY_BYTES:
                raise DataKeyError(f"the data key must be {KEY_BYTES} bytes")
        self._key_id = key_id(key)
        self._aeads = {key_id(each): AESGCM(_derive(each, b"field-encryption")) for each in (*previous, key)}
        self._aead = self._aeads[self._key_id]
        self._private: dict[bytes, tuple[X25519PrivateKey, bytes]] = {}
        for each in (*previous, key):
            private = _seal_private_key(each)
            public = _public_bytes(private.public_key())
            self._private[_seal_key_id(public)] = (private, public)
        self._sealer = FieldSealer(seal_public_key(key), lookup_key(key))

    def sealer(self) -> FieldSealer:
        """The encrypt-only part of this cipher (the current key's public key and lookup key)."""
        return self._sealer

    def seal(self, plaintext: str, *, field: str, context: str = "") -> bytes:
        """Seal one value to the current key's public key (format 3), as the action server does."""
        return self._sealer.seal(plaintext, field=field, context=context)

    def encrypt(self, plaintext: str, *, field: str, context: str = "") -> bytes:
        """Encrypt one value symmetrically (format 2); a fresh random nonce each time, so equal values differ."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _associated(field, context))
        return _FORMAT_V2 + self._key_id + nonce + sealed

    def decrypt(self, blob: bytes, *, field: str, context: str = "") -> str:
        """Open a value of any format for the same field and context; DataKeyError on a wrong key or tampering."""
        if blob[:1] == _FORMAT_V3 and len(blob) >= 1 + _KEY_ID_BYTES + _PUBLIC_BYTES + _NONCE_BYTES + _TAG_BYTES:
            return self._open_sealed(blob, _associated(field, context))
        if blob[:1] == _FORMAT_V2 and len(blob) >= 1 + _KEY_ID_BYTES + _NONCE_BYTES + _TAG_BYTES:
            aead = self._aeads.get(blob[1 : 1 + _KEY_ID_BYTES])
            if aead is None:
                raise DataKeyError("stored value was sealed with a key that is not configured")
            body = blob[1 + _KEY_ID_BYTES :]
            return _open(aead, body, _associated(field, context))
        if blob[:1] == _FORMAT_V1 and len(blob) >= 1 + _NONCE_BYTES + _TAG_BYTES:
            for aead in reversed(self._aeads.values()):  # the current key first
                try:
                    return _open(aead, blob[1:], field.encode("ascii"))
                except DataKeyError:
                    continue
            raise DataKeyError("stored value does not open with this key (wrong key or altered data)")
        raise DataKeyError("unknown ciphertext format")

    def _open_sealed(self, blob: bytes, associated: bytes) -> str:
        found = self._private.get(blob[1 : 1 + _KEY_ID_BYTES])
        if found is None:
            raise DataKeyError("stored value was sealed with a key that is not configured")
        private, public = found
        start = 1 + _KEY_ID_BYTES
        ephemeral = blob[start : start + _PUBLIC_BYTES]
        try:
            shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        except ValueError as exc:  # a degenerate ephemeral key: altered data
            raise DataKeyError("stored value does not open with this key (wrong key or altered data)") from exc
        return _open(_seal_aead(shared, ephemeral, public), blob[start + _PUBLIC_BYTES :], associated)

    def lookup_hash(self, value: str, *, field: str) -> str:
        """Keyed hash (hex) of a normalised value, to find records without decrypting every row."""
        return self._sealer.lookup_hash(value, field=field)


@dataclass(frozen=True)
class ActionKeys:
    """What the action server holds instead of the data key: seal applications, open drafts, hash look-ups."""

    seal_public_key: bytes
    draft_key: bytes
    lookup_key: bytes

    def environment(self) -> dict[str, str]:
        """The keys as the action server's environment variables (base64 text)."""
        return {
            SEAL_PUBLIC_KEY_ENV: encode_key(self.seal_public_key),
            DRAFT_KEY_ENV: encode_key(self.draft_key),
            LOOKUP_KEY_ENV: encode_key(self.lookup_key),
        }

    def sealer(self) -> FieldSealer:
        """The encrypt-only cipher of stored applications."""
        return FieldSealer(self.seal_public_key, self.lookup_key)

    def draft_cipher(self) -> FieldCipher:
        """The cipher of short-lived number drafts (the same the bot seals them with)."""
        return FieldCipher(self.draft_key)


def derive_action_keys(data_key: bytes) -> ActionKeys:
    """The action server's keys, derived from the data key (the supervisor and the test harness use this)."""
    return ActionKeys(seal_public_key(data_key), draft_key(data_key), lookup_key(data_key))


def action_keys_from_settings(settings: NonghuiSettings) -> ActionKeys:
    """The action server's keys from its settings; DataKeyError naming what is missing (never the data key)."""
    values = {
        SEAL_PUBLIC_KEY_ENV: settings.seal_public_key,
        DRAFT_KEY_ENV: secret_value(settings.draft_key),
        LOOKUP_KEY_ENV: secret_value(settings.lookup_key),
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise DataKeyError(
            f"{', '.join(missing)} not set: the supervisor derives the action server's keys from {KEY_ENV} "
            "(start it with `python -m bot.supervisor`); the action server never reads the data key itself"
        )
    raw = {name: decode_key(str(value), name=name) for name, value in values.items()}
    return ActionKeys(raw[SEAL_PUBLIC_KEY_ENV], raw[DRAFT_KEY_ENV], raw[LOOKUP_KEY_ENV])


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
