"""The campaign signing key: the `campaign_key` setting (URL-safe base64 of ≥ 16 bytes), or a development key file."""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from pathlib import Path

from core.errors import NonghuiError
from core.settings import MissingSecret, secret_or_dev_file

KEY_ENV = "NONGHUI_CAMPAIGN_KEY"
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
    try:
        text = secret_or_dev_file(
            value,
            name="campaign_key",
            env=env,
            home=home,
            generate=generate_campaign_key,
            reason="printed campaign links depend on it",
            what="campaign key",
            logger=log,
        )
    except MissingSecret as exc:
        raise CampaignKeyError(str(exc)) from None
    return decode_campaign_key(text)
