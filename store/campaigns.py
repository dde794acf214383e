"""Campaign registry, campaign arrivals and first-/last-touch attribution (the funnel report is in campaign_report)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow
from core.errors import NonghuiError
from core.intents import CAMPAIGN_TOPICS, CampaignTopic
from store.db import as_utc, session_scope
from store.models import ApplicationAttribution, Campaign, CampaignArrival, CampaignPlacement, Farmer
from store.models import Station as StationRow

CHINA_TIME = timezone(timedelta(hours=8))
PlacementKind = Literal["poster", "leaflet", "video", "meeting", "other"]
# How an arrival is counted: "campaign" through a running (active) campaign, "not_started" before its first day,
# "expired" after its last day, "unknown" when the payload matched no placement.
ArrivalOutcome = Literal["campaign", "not_started", "expired", "unknown"]
CampaignState = Literal["not_started", "active", "expired"]
PLACEMENT_KINDS: tuple[PlacementKind, ...] = ("poster", "leaflet", "video", "meeting", "other")
_CODE_ATTEMPTS = 20

log = logging.getLogger(__name__)


class CampaignError(NonghuiError):
    """A campaign operation that cannot be done."""


class DuplicateCampaignError(CampaignError):
    """A campaign with this slug already exists."""


class UnknownCampaignError(CampaignError):
    """No campaign with this slug."""


class CampaignSpec(BaseModel):
    """What an organiser registers: name, organiser, topic, region or station, dates and language."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str = Field(min_length=1, max_length=200)
    organiser: str = Field(min_length=1, max_length=200)
    topic: CampaignTopic
    region: str | None = Field(default=None, max_length=128)
    station_code: str | None = Field(default=None, max_length=32)
    starts_on: date
    ends_on: date
    lang: Literal["zh", "en"] = "zh"

    @model_validator(mode="after")
    def _dates_in_order(self) -> CampaignSpec:
        if self.ends_on < self.starts_on:
            raise ValueError("the campaign ends before it starts")
        return self


class PlacementSpec(BaseModel):
    """Where the campaign's link appears: a poster in a village, a leaflet batch, a video, a meeting."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    kind: PlacementKind
    location: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=500)

    @field_validator("note")
    @classmethod
    def _blank_note_is_none(cls, value: str | None) -> str | None:
        return value or None


class PlacementView(BaseModel):
    """A stored placement and its code (the payload is signed from the code by the bot)."""

    model_config = ConfigDict(frozen=True)

    id: int
    code: str
    kind: str
    location: str
    note: str | None


class CampaignView(BaseModel):
    """A stored campaign with its placements."""

    model_config = ConfigDict(frozen=True)

    id: int
    slug: str
    name: str
    organiser: str
    topic: CampaignTopic
    region: str | None
    station_code: str | None
    starts_on: date
    ends_on: date
    lang: Literal["zh", "en"]
    placements: list[PlacementView]

    def active_on(self, day: date) -> bool:
        """Whether the campaign runs on `day` (both ends included)."""
        return self.state_on(day) == "active"

    def state_on(self, day: date) -> CampaignState:
        """Whether on `day` the campaign has not started yet, runs, or has ended."""
        return campaign_state(self.starts_on, self.ends_on, day)


def campaign_state(starts_on: date, ends_on: date, day: date) -> CampaignState:
    """ "not_started" before `starts_on`, "expired" after `ends_on`, else "active" (both ends included)."""
    if day < starts_on:
        return "not_started"
    if day > ends_on:
        return "expired"
    return "active"


class StationContact(BaseModel):
    """The station named on a poster."""

    model_config = ConfigDict(frozen=True)

    name_zh: str
    name_en: str
    phone: str


@dataclass(frozen=True)
class ArrivalResult:
    """How an arrival was counted, and the campaign's topic and language when it was a live campaign."""

    outcome: ArrivalOutcome
    topic: CampaignTopic | None = None
    campaign_lang: str | None = None
    campaign_slug: str | None = None


@dataclass(frozen=True)
class Touch:
    """One campaign arrival that counts for attribution."""

    placement_id: int
    placement_code: str
    campaign_slug: str
    at: datetime


@dataclass(frozen=True)
class Attribution:
    """A farmer's first and last campaign touches (None when they never arrived through a live campaign)."""

    first: Touch | None
    last: Touch | None


def china_day(moment: datetime) -> date:
    """The calendar day in China of a stored time (SQLite gives naive UTC values back)."""
    return as_utc(moment).astimezone(CHINA_TIME).date()


class CampaignStore:
    """Registry of campaigns and placements, and the arrivals counted against them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        new_code: Callable[[], str],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._new_code = new_code
        self._clock = clock

    def add_campaign(self, spec: CampaignSpec) -> CampaignView:
        """Register a campaign; DuplicateCampaignError when the slug is taken."""
        try:
            with session_scope(self._sessions) as session:
                session.add(Campaign(**spec.model_dump(), created_at=self._clock()))
        except IntegrityError as exc:
            raise DuplicateCampaignError(f"campaign {spec.slug!r} already exists") from exc
        view = self.get_campaign(spec.slug)
        if view is None:  # pragma: no cover - committed just above
            raise CampaignError("stored campaign vanished")
        return view

    def add_placement(self, slug: str, spec: PlacementSpec) -> PlacementView:
        """Add a placement with a fresh unique code; UnknownCampaignError for an unknown slug."""
        for _attempt in range(_CODE_ATTEMPTS):
            code = self._new_code()
            try:
                with session_scope(self._sessions) as session:
                    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
                    if campaign is None:
                        raise UnknownCampaignError(f"no campaign {slug!r}")
                    row = CampaignPlacement(
                        campaign_id=campaign.id, code=code, created_at=self._clock(), **spec.model_dump()
                    )
                    session.add(row)
                    session.flush()
                    return _placement_view(row)
            except IntegrityError:
                continue  # the random code was taken: draw another
        raise CampaignError("could not find a free placement code")

    def ensure_placement(self, slug: str, spec: PlacementSpec) -> tuple[PlacementView, bool]:
        """The campaign's placement of this kind at this location, added when missing (True when added)."""
        existing = self.get_campaign(slug)
        if existing is None:
            raise UnknownCampaignError(f"no campaign {slug!r}")
        for placement in existing.placements:
            if placement.kind == spec.kind and placement.location == spec.location:
                return placement, False
        return self.add_placement(slug, spec), True

    def get_campaign(self, slug: str) -> CampaignView | None:
        """One campaign with its placements."""
        with session_scope(self._sessions) as session:
            campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
            return _campaign_view(session, campaign) if campaign else None

    def list_campaigns(self) -> list[CampaignView]:
        """Every campaign, newest start first."""
        with session_scope(self._sessions) as session:
            rows = session.scalars(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()))
            return [_campaign_view(session, row) for row in rows]

    def station_contact(self, station_code: str | None) -> StationContact | None:
        """Name and phone of an active station, for posters."""
        if not station_code:
            return None
        with session_scope(self._sessions) as session:
            station = session.scalar(
                select(StationRow).where(StationRow.code == station_code, StationRow.active.is_(True))
            )
            if station is None:
                return None
            return StationContact(name_zh=station.name_zh, name_en=station.name_en, phone=station.phone)

    def record_arrival(self, *, channel: str, external_id: str, placement_code: str | None) -> ArrivalResult:
        """Count an arrival with a payload: a verified code of a running campaign, one not started yet, an
        expired one, or unknown.

        `placement_code` is None when the payload did not verify; a verified code no longer in the registry is
        unknown too. The farmer is created when new.
        """
        for attempt in range(2):
            try:
                return self._record_arrival(channel, external_id, placement_code)
            except IntegrityError:
                if attempt:  # the same new farmer was inserted concurrently twice: give up loudly
                    raise
        raise CampaignError("unreachable")  # pragma: no cover

    def _record_arrival(self, channel: str, external_id: str, placement_code: str | None) -> ArrivalResult:
        now = self._clock()
        with session_scope(self._sessions) as session:
            farmer = _get_or_create_farmer(session, channel, external_id, now)
            found = None
            if placement_code is not None:
                found = session.execute(
                    select(CampaignPlacement, Campaign)
                    .join(Campaign, Campaign.id == CampaignPlacement.campaign_id)
                    .where(CampaignPlacement.code == placement_code)
                ).first()
            if found is None:
                session.add(
                    CampaignArrival(farmer_id=farmer.id, placement_id=None, outcome="unknown", channel=channel, at=now)
                )
                return ArrivalResult("unknown")
            placement, campaign = found
            state = campaign_state(campaign.starts_on, campaign.ends_on, china_day(now))
            outcome: ArrivalOutcome = "campaign" if state == "active" else state
            session.add(
                CampaignArrival(
                    farmer_id=farmer.id, placement_id=placement.id, outcome=outcome, channel=channel, at=now
                )
            )
            if outcome != "campaign":
                return ArrivalResult(outcome, campaign_slug=campaign.slug)
            return ArrivalResult("campaign", _topic(campaign.topic), campaign.lang, campaign.slug)

    def attribution(self, *, channel: str, external_id: str) -> Attribution:
        """The farmer's first and last arrivals through a running campaign."""
        with session_scope(self._sessions) as session:
            farmer_id = session.scalar(
                select(Farmer.id).where(Farmer.channel == channel, Farmer.external_id == external_id)
            )
            return _attribution(session, farmer_id) if farmer_id is not None else Attribution(None, None)


def attribute_application(session: Session, *, application_id: int, farmer_id: int | None) -> None:
    """Copy the farmer's first- and last-touch placements onto a pre-application (inside its transaction)."""
    if farmer_id is None:
        return
    touches = _attribution(session, farmer_id)
    if touches.first is None or touches.last is None:
        return
    session.add(
        ApplicationAttribution(
            application_id=application_id,
            first_placement_id=touches.first.placement_id,
            last_placement_id=touches.last.placement_id,
        )
    )


def _attribution(session: Session, farmer_id: int) -> Attribution:
    rows = session.execute(
        select(CampaignPlacement.id, CampaignArrival.at, CampaignPlacement.code, Campaign.slug)
        .join(CampaignPlacement, CampaignPlacement.id == CampaignArrival.placement_id)
        .join(Campaign, Campaign.id == CampaignPlacement.campaign_id)
        .where(CampaignArrival.farmer_id == farmer_id, CampaignArrival.outcome == "campaign")
        .order_by(CampaignArrival.at, CampaignArrival.id)
    ).all()
    if not rows:
        return Attribution(None, None)
    touches = [Touch(row[0], row[2], row[3], row[1]) for row in rows]
    return Attribution(touches[0], touches[-1])


def _get_or_create_farmer(session: Session, channel: str, external_id: str, now: datetime) -> Farmer:
    farmer = session.scalar(select(Farmer).where(Farmer.channel == channel, Farmer.external_id == external_id))
    if farmer is None:
        farmer = Farmer(channel=channel, external_id=external_id, first_seen=now, last_seen=now)
        session.add(farmer)
        session.flush()
    return farmer


def _topic(value: str) -> CampaignTopic:
    return next((topic for topic in CAMPAIGN_TOPICS if topic == value), "general")


def _placement_view(row: CampaignPlacement) -> PlacementView:
    return PlacementView(id=row.id, code=row.code, kind=row.kind, location=row.location, note=row.note)


def _campaign_view(session: Session, row: Campaign) -> CampaignView:
    placements = session.scalars(
        select(CampaignPlacement).where(CampaignPlacement.campaign_id == row.id).order_by(CampaignPlacement.id)
    )
    return CampaignView(
        id=row.id,
        slug=row.slug,
        name=row.name,
        organiser=row.organiser,
        topic=_topic(row.topic),
        region=row.region,
        station_code=row.station_code,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        lang="en" if row.lang == "en" else "zh",
        placements=[_placement_view(p) for p in placements],
    )
