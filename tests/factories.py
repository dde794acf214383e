"""Sample values the tests of several packages build on."""

from __future__ import annotations

from typing import Any

from loans.consent import CURRENT_CONSENT_VERSION
from loans.forms import PreApplicationForm

RESIDENT_ID = "440882197403151236"


def sample_form(**changes: Any) -> PreApplicationForm:
    """A valid pre-application (王大姐, 30,000 yuan for cattle at ZJ-QS) with `changes` applied."""
    values: dict[str, Any] = dict(
        form_token="telegram-100-form-0001",
        channel="telegram",
        external_id="100",
        lang="zh",
        name="王大姐",
        phone="138 1234 5678",
        resident_id=RESIDENT_ID,
        household_status="lifted_out",
        amount_yuan=30000,
        term_months=36,
        purpose="livestock",
        purpose_note="养两头牛",
        station_code="ZJ-QS",
        consent_version=CURRENT_CONSENT_VERSION,
        rules_id="sample-county-zj",
        rules_version="2026.1-sample",
        precheck_outcome="likely",
    )
    values.update(changes)
    return PreApplicationForm(**values)
