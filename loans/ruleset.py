"""Eligibility rule profiles (YAML per region, versioned), loaded into typed models."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import NonghuiError
from core.lang import Lang
from core.text import Bilingual

RULES_DIR = Path(__file__).resolve().parent / "rules"
DEFAULT_REGION = "national"
HouseholdStatus = Literal["lifted_out", "monitored", "not_sure", "neither"]
RateBasis = Literal["lpr_1y", "lpr_5y"]
_REGION_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class RulesError(NonghuiError):
    """A rule profile is missing, malformed or extends itself in a loop."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgeRule(_Frozen):
    """Inclusive age range at application."""

    min: int = Field(ge=0, le=120)
    max: int = Field(ge=0, le=120)


class AmountRule(_Frozen):
    """Amount limits in yuan."""

    min_yuan: int = Field(ge=1)
    cap_yuan: int = Field(ge=1)


class TermRule(_Frozen):
    """Longest term in months."""

    cap_months: int = Field(ge=1, le=120)


class RateBand(_Frozen):
    """Terms up to `max_months` are priced at no more than `basis`."""

    max_months: int
    basis: RateBasis


class InterestRule(_Frozen):
    """Interest basis: LPR figures (dated) and which applies to which term."""

    lpr_as_of: date
    lpr_1y_percent: Decimal
    lpr_5y_percent: Decimal
    bands: list[RateBand]
    fixed_for_contract: bool = True

    def band_for(self, months: int) -> RateBand | None:
        """The band covering a term, or None when the term is longer than every band."""
        return next(
            (band for band in sorted(self.bands, key=lambda b: b.max_months) if months <= band.max_months), None
        )

    def annual_rate(self, months: int) -> Decimal:
        """Annual rate as a fraction (0.035 for 3.5 %) for a term; longer than every band uses the last one."""
        band = self.band_for(months) or max(self.bands, key=lambda b: b.max_months)
        percent = self.lpr_1y_percent if band.basis == "lpr_1y" else self.lpr_5y_percent
        return percent / 100


class SubsidyRule(_Frozen):
    """Share of interest paid by government (0 to 1); usually set locally."""

    share: Decimal = Field(ge=0, le=1)
    varies_locally: bool = True
    note: Bilingual


class RepaymentRule(_Frozen):
    """How often interest is paid on the interest-only schedule."""

    interest_period_months: int = Field(ge=1, le=12)
    note: Bilingual


class Purpose(_Frozen):
    """A category of use with words that reveal it in a farmer's answer."""

    id: str
    label: Bilingual
    keywords: dict[Lang, list[str]]

    def matches(self, text: str) -> str | None:
        """The first keyword found in `text` (English ones at a word start), or None."""
        lowered = text.lower()
        for word in self.keywords.get("zh", []):
            if word in lowered:
                return word
        for word in self.keywords.get("en", []):
            if re.search(rf"\b{re.escape(word.lower())}", lowered):
                return word
        return None


class Purposes(_Frozen):
    """Allowed and forbidden uses of the money."""

    allowed: list[Purpose]
    forbidden: list[Purpose]

    def by_id(self, purpose_id: str) -> Purpose | None:
        """An allowed or forbidden purpose by its id."""
        return next((p for p in [*self.allowed, *self.forbidden] if p.id == purpose_id), None)


class RuleSet(_Frozen):
    """One region's eligibility profile (a county's profile already merged over the national one)."""

    id: str
    version: str
    name: Bilingual
    sample: bool = False
    sources: list[str] = []
    household_statuses: dict[Literal["eligible"], list[HouseholdStatus]]
    age: AgeRule
    amount: AmountRule
    term: TermRule
    interest: InterestRule
    subsidy: SubsidyRule
    repayment: RepaymentRule
    purposes: Purposes
    notes: list[Bilingual] = []

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        if self.age.min > self.age.max or self.amount.min_yuan > self.amount.cap_yuan:
            raise ValueError("a minimum is above its maximum")
        return self

    @property
    def eligible_statuses(self) -> list[HouseholdStatus]:
        """Household statuses that may borrow."""
        return self.household_statuses.get("eligible", [])


def available_regions(rules_dir: Path = RULES_DIR) -> list[str]:
    """Ids of every rule profile in `rules_dir`."""
    return sorted(path.stem for path in rules_dir.glob("*.yaml"))


def load_rules(region: str = DEFAULT_REGION, rules_dir: Path = RULES_DIR) -> RuleSet:
    """Load a region's profile, merging it over the profile it `extends` (recursively)."""
    return validated(_merged(region, rules_dir, seen=()))


def _merged(region: str, rules_dir: Path, seen: tuple[str, ...]) -> dict[str, Any]:
    if not _REGION_NAME.fullmatch(region):
        raise RulesError(f"bad rule profile name {region!r}")
    if region in seen:
        raise RulesError(f"rule profiles extend each other in a loop: {' → '.join((*seen, region))}")
    path = rules_dir / f"{region}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"cannot read rule profile {region!r}: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"rule profile {region!r} is not a mapping")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    return _deep_merge(_merged(str(parent), rules_dir, (*seen, region)), data)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (lists included) in `override` replaces the base value."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def validated(data: dict[str, Any]) -> RuleSet:
    """Validate an in-memory profile (used by tests and tools); raises RulesError when malformed."""
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raise RulesError(str(exc)) from exc
