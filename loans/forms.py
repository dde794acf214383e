"""The validated pre-application the dialogue hands to the store."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.lang import Lang
from loans.consent import CONSENT_WORDINGS
from loans.eligibility import Outcome
from loans.ruleset import HouseholdStatus
from loans.validation import ResidentId, validate_phone, validate_resident_id

PurposeId = Literal["planting", "livestock", "processing", "small_business", "other"]
_TOKEN = re.compile(r"[A-Za-z0-9_.:\-]{8,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PreApplicationForm(BaseModel):
    """Everything one confirmed pre-application carries; field validators re-check what the form collected.

    `form_token` is chosen by the client once per form (e.g. the conversation id plus the form's start time):
    submitting the same token again returns the application already stored.
    """

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, hide_input_in_errors=True)

    form_token: str
    channel: str = Field(min_length=1, max_length=16)
    external_id: str = Field(min_length=1, max_length=128)
    lang: Lang
    name: str = Field(min_length=1, max_length=40)
    phone: str = Field(repr=False)
    resident_id: str = Field(repr=False)
    household_status: HouseholdStatus
    amount_yuan: int = Field(gt=0, le=1_000_000)
    term_months: int = Field(gt=0, le=120)
    purpose: PurposeId
    purpose_note: str | None = Field(default=None, max_length=200)
    other_loans: bool | None = None
    station_code: str = Field(min_length=1, max_length=32)
    village_zh: str | None = Field(default=None, max_length=64)
    village_en: str | None = Field(default=None, max_length=64)
    consent_version: str
    consent_at: datetime | None = None
    rules_id: str | None = Field(default=None, max_length=64)
    rules_version: str | None = Field(default=None, max_length=32)
    precheck_outcome: Outcome | None = None

    @field_validator("form_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        if not _TOKEN.fullmatch(value):
            raise ValueError("form_token must be 8–64 characters of letters, digits and _.:-")
        return value

    @field_validator("name", "purpose_note")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        return _CONTROL.sub("", value) if value is not None else None

    @field_validator("phone")
    @classmethod
    def _valid_phone(cls, value: str) -> str:
        checked = validate_phone(value)
        if checked.value is None:
            raise ValueError("not a valid mainland mobile number")  # never echo the number itself
        return checked.value

    @field_validator("resident_id")
    @classmethod
    def _valid_resident_id(cls, value: str) -> str:
        checked = validate_resident_id(value, today=date.today())
        if checked.value is None:
            raise ValueError("not a valid resident ID number")
        return checked.value.number

    @field_validator("consent_version")
    @classmethod
    def _known_consent(cls, value: str) -> str:
        if value not in CONSENT_WORDINGS:
            raise ValueError("unknown consent version")
        return value

    def resident(self) -> ResidentId:
        """The parsed resident ID (already validated)."""
        checked = validate_resident_id(self.resident_id, today=date.today())
        if checked.value is None:  # only if the date moved back across the birth date since construction
            raise ValueError("resident ID no longer valid")
        return checked.value
