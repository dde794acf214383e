"""Links that carry a placement payload: each channel makes its own (`campaign_link`); these are shared."""

from __future__ import annotations

from core.errors import NonghuiError

START_PARAMETER = "start"


class LinkError(NonghuiError):
    """A bot username or web address that cannot make a working link."""
