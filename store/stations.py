"""Loads the station registry (loans/stations.py) into the database's station table."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from loans.stations import Station
from store.models import Station as StationRow


class SyncReport(BaseModel):
    """What `sync_stations` changed."""

    created: int
    updated: int
    deactivated: int


def sync_stations(session: Session, stations: list[Station]) -> SyncReport:
    """Upsert stations by code; stations no longer listed are deactivated (kept: applications refer to them)."""
    existing = {row.code: row for row in session.scalars(select(StationRow))}
    created = updated = 0
    for station in stations:
        values = {
            "county_code": station.county_code,
            "name_zh": station.name.zh,
            "name_en": station.name.en,
            "township_zh": station.township.zh,
            "township_en": station.township.en,
            "phone": station.phone,
            "hours_zh": station.hours.zh,
            "hours_en": station.hours.en,
            "rules_region": station.rules_region,
            "sample": station.sample,
            "active": True,
        }
        row = existing.get(station.code)
        if row is None:
            session.add(StationRow(code=station.code, updated_at=utcnow(), **values))
            created += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            updated += 1
    listed = {s.code for s in stations}
    deactivated = 0
    for code, row in existing.items():
        if code not in listed and row.active:
            row.active = False
            row.updated_at = utcnow()
            deactivated += 1
    session.flush()
    return SyncReport(created=created, updated=updated, deactivated=deactivated)
