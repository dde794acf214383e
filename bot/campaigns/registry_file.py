"""The campaign registry as a YAML file (see campaigns_SAMPLE.yaml), loaded idempotently into the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import NonghuiError
from core.intents import CampaignTopic
from store.campaigns import CampaignSpec, CampaignStore, PlacementKind, PlacementSpec

SAMPLE_FILE = Path(__file__).resolve().parent / "campaigns_SAMPLE.yaml"


class RegistryFileError(NonghuiError):
    """The registry file is missing, not YAML, or does not describe campaigns."""


class _PlacementEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PlacementKind = "poster"
    location: str
    note: str | None = None


class _CampaignEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str
    name: str
    organiser: str
    topic: CampaignTopic
    starts_on: date
    ends_on: date
    region: str | None = None
    station: str | None = None
    lang: str = "zh"
    placements: list[_PlacementEntry] = Field(default_factory=list)


class _RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaigns: list[_CampaignEntry]


@dataclass(frozen=True)
class LoadReport:
    """What loading the file did."""

    campaigns_added: int
    campaigns_existing: int
    placements_added: int
    placements_existing: int


def read_registry(path: Path) -> list[tuple[CampaignSpec, list[PlacementSpec]]]:
    """Campaigns and their placements from a YAML file; RegistryFileError names the first problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RegistryFileError(f"cannot read {path}: {exc}") from exc
    try:
        parsed = _RegistryFile.model_validate(raw)
        return [
            (
                CampaignSpec(
                    slug=entry.slug,
                    name=entry.name,
                    organiser=entry.organiser,
                    topic=entry.topic,
                    starts_on=entry.starts_on,
                    ends_on=entry.ends_on,
                    region=entry.region,
                    station_code=entry.station,
                    lang="en" if entry.lang == "en" else "zh",
                ),
                [PlacementSpec(kind=p.kind, location=p.location, note=p.note) for p in entry.placements],
            )
            for entry in parsed.campaigns
        ]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RegistryFileError(f"{path}: {where}: {first['msg']}") from exc


def load_registry(store: CampaignStore, path: Path) -> LoadReport:
    """Add the file's campaigns and placements that are not in the database yet (existing ones are kept)."""
    counts = {"c_new": 0, "c_old": 0, "p_new": 0, "p_old": 0}
    for spec, placements in read_registry(path):
        if store.get_campaign(spec.slug) is None:
            store.add_campaign(spec)
            counts["c_new"] += 1
        else:
            counts["c_old"] += 1
        for placement in placements:
            _view, added = store.ensure_placement(spec.slug, placement)
            counts["p_new" if added else "p_old"] += 1
    return LoadReport(counts["c_new"], counts["c_old"], counts["p_new"], counts["p_old"])
