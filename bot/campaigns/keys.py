"""The campaign signing key: `NONGHUI_CAMPAIGN_KEY` (URL-safe base64 of ≥ 16 bytes), or a development key file."""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
from pathlib import Path

from core.errors import NonghuiError

KEY_ENV = "NONGHUI_CAMPAIGN_KEY"
DEV_KEY_FILE = Path("secrets") / "campaign.key"
MIN_KEY_BYTES = 16

log = logging.getLogger(__name__)


class CampaignKeyError(NonghuiError):
    """The campaign key is missing where it is required, or malformed."""


def generate_campaign_key() -> str:
    """A fresh key as URL-safe base64 text (what `NONGHUI_CAMPAIGN_KEY` holds)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def decode_campaign_key(text: str) -> bytes:
    """The key bytes from their base64 text; CampaignKeyError when malformed or too short."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise CampaignKeyError(f"{KEY_ENV} is not valid URL-safe base64") from exc
    if len(raw) < MIN_KEY_BYTES:
        raise CampaignKeyError(f"{KEY_ENV} must decode to at least {MIN_KEY_BYTES} bytes, got {len(raw)}")
    return raw


def campaign_key(value: str | None, *, env: str, home: Path) -> bytes:
    """The signing key: `value` from the settings; in development a key kept in `home/secrets/campaign.key`.

    Production refuses to run without the environment variable, since links printed on posters must keep
    working after a move to another machine.
    """
    if value and value.strip():
        return decode_campaign_key(value)
    if env == "production":
        raise CampaignKeyError(f"{KEY_ENV} must be set in production: printed campaign links depend on it")
    path = home / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(generate_campaign_key())
            log.warning("generated a development campaign key in %s; set %s in production", path, KEY_ENV)
    return decode_campaign_key(path.read_text(encoding="ascii"))
