"""The campaign funnel: per placement, arrivals → questions → hand-offs → pre-applications, by day (counts only)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.channels import canonical_channel
from core.intents import QUESTION_INTENTS, QUESTION_TOPICS, Intent
from store.campaigns import china_day
from store.db import as_utc, session_scope
from store.models import (
    ApplicationAttribution,
    Campaign,
    CampaignArrival,
    CampaignPlacement,
    ConversationTurn,
    Farmer,
    Handoff,
    PreApplication,
)

Model = Literal["first", "last"]
HANDOFF_INTENT = Intent.HUMAN_HANDOFF
START_APPLICATION_INTENT = Intent.APPLY_LOAN
_SPACES = re.compile(r"\s+")
# A question's words are listed only when this many different farmers asked it (the count cells' "<5" rule).
MIN_FARMERS_PER_TEXT: Final = 5


@dataclass
class DayCounts:
    """One day of a placement's funnel."""

    day: date
    arrivals: int = 0
    asked: int = 0
    submitted: int = 0


@dataclass
class PlacementFunnel:
    """The funnel of one placement under one attribution model (each farmer counted for one placement)."""

    campaign_slug: str
    campaign_name: str
    placement_code: str
    kind: str
    location: str
    arrivals: int = 0
    asked: int = 0
    questions_by_topic: dict[str, int] = field(default_factory=lambda: dict.fromkeys(QUESTION_TOPICS, 0))
    handoffs: int = 0
    started: int = 0
    submitted: int = 0
    approved: int = 0
    declined: int = 0
    days: list[DayCounts] = field(default_factory=list)


@dataclass(frozen=True)
class QuestionCount:
    """A question text (as masked in the transcript) and how many attributed farmers asked it."""

    text: str
    farmers: int
    times: int


@dataclass
class FunnelReport:
    """Everything the report shows for a set of campaigns."""

    model: Model
    placements: list[PlacementFunnel]
    unknown_arrivals: int
    expired_arrivals: int
    not_started_arrivals: int
    top_questions: list[QuestionCount]
    unanswered_questions: list[QuestionCount]


@dataclass
class _Farmer:
    placement_id: int
    since: datetime
    channel: str
    external_id: str


class CampaignReports:
    """Computes funnel reports from campaign arrivals, the transcript, hand-offs and pre-applications."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def funnel(
        self,
        *,
        campaign: str | None = None,
        model: Model = "first",
        top: int = 10,
        stations: Collection[str] | None = None,
    ) -> FunnelReport:
        """The funnel of one campaign (slug) or of all; `model` picks first- or last-touch attribution.

        `stations` limits it to the campaigns of those stations (a station's staff); None means every campaign
        (admins, the operator's CLI). Question texts are listed only when at least `MIN_FARMERS_PER_TEXT`
        different farmers asked them, and only from question turns, never from form answers or commands.
        """
        with session_scope(self._sessions) as session:
            funnels = _placements(session, campaign, stations)
            farmers = _attributed_farmers(session, set(funnels), model)
            for farmer in farmers.values():
                funnel = funnels[farmer.placement_id]
                funnel.arrivals += 1
                _day(funnel, china_day(farmer.since)).arrivals += 1
            questions, unanswered = _conversation_counts(session, farmers, funnels)
            _handoff_counts(session, farmers, funnels)
            _application_counts(session, funnels, model)
            # Unknown payloads belong to no campaign: only the report of every campaign counts them.
            every = campaign is None and stations is None
            unknown, expired, not_started = _unmatched_arrivals(session, set(funnels), count_unknown=every)
            for funnel in funnels.values():
                funnel.days.sort(key=lambda d: d.day)
            return FunnelReport(
                model=model,
                placements=list(funnels.values()),
                unknown_arrivals=unknown,
                expired_arrivals=expired,
                not_started_arrivals=not_started,
                top_questions=_top(questions, top),
                unanswered_questions=_top(unanswered, top),
            )


def _placements(session: Session, campaign: str | None, stations: Collection[str] | None) -> dict[int, PlacementFunnel]:
    query = (
        select(CampaignPlacement, Campaign)
        .join(Campaign, Campaign.id == CampaignPlacement.campaign_id)
        .order_by(Campaign.starts_on, Campaign.id, CampaignPlacement.id)
    )
    if campaign is not None:
        query = query.where(Campaign.slug == campaign)
    if stations is not None:
        query = query.where(Campaign.station_code.in_(sorted(stations)))
    return {
        placement.id: PlacementFunnel(
            campaign_slug=row_campaign.slug,
            campaign_name=row_campaign.name,
            placement_code=placement.code,
            kind=placement.kind,
            location=placement.location,
        )
        for placement, row_campaign in session.execute(query).all()
    }


def _attributed_farmers(session: Session, placement_ids: set[int], model: Model) -> dict[int, _Farmer]:
    """Each farmer who arrived through a live campaign, with the placement their first (or last) touch credits."""
    rows = session.execute(
        select(
            CampaignArrival.farmer_id,
            CampaignArrival.placement_id,
            CampaignArrival.at,
            Farmer.channel,
            Farmer.external_id,
        )
        .join(Farmer, Farmer.id == CampaignArrival.farmer_id)
        .where(CampaignArrival.outcome == "campaign", CampaignArrival.placement_id.is_not(None))
        .order_by(CampaignArrival.at, CampaignArrival.id)
    ).all()
    chosen: dict[int, _Farmer] = {}
    for farmer_id, placement_id, at, channel, external_id in rows:
        if placement_id is None or (model == "first" and farmer_id in chosen):
            continue
        chosen[farmer_id] = _Farmer(placement_id, at, channel, external_id)
    return {fid: farmer for fid, farmer in chosen.items() if farmer.placement_id in placement_ids}


def _day(funnel: PlacementFunnel, day: date) -> DayCounts:
    for counts in funnel.days:
        if counts.day == day:
            return counts
    counts = DayCounts(day)
    funnel.days.append(counts)
    return counts


def _turn_owner(farmers: dict[int, _Farmer]) -> dict[tuple[str, str], int]:
    return {(farmer.channel, farmer.external_id): fid for fid, farmer in farmers.items()}


def _conversation_counts(
    session: Session, farmers: dict[int, _Farmer], funnels: dict[int, PlacementFunnel]
) -> tuple[dict[str, tuple[set[int], int]], dict[str, tuple[set[int], int]]]:
    """Questions per topic and farmers who asked; question texts for the top and unanswered lists."""
    if not farmers:
        return {}, {}
    owners = _turn_owner(farmers)
    external_ids = {farmer.external_id for farmer in farmers.values()}
    rows = session.execute(
        select(
            ConversationTurn.farmer_id,
            ConversationTurn.channel,
            ConversationTurn.external_id,
            ConversationTurn.text,
            ConversationTurn.intent,
            ConversationTurn.topic,
            ConversationTurn.answered,
            ConversationTurn.created_at,
        ).where(
            ConversationTurn.direction == "in",
            (ConversationTurn.farmer_id.in_(list(farmers))) | (ConversationTurn.external_id.in_(list(external_ids))),
        )
    ).all()
    asked: dict[int, set[int]] = defaultdict(set)
    questions: dict[str, tuple[set[int], int]] = {}
    unanswered: dict[str, tuple[set[int], int]] = {}
    for farmer_id, channel, external_id, text, intent, topic, answered, created_at in rows:
        fid = farmer_id if farmer_id in farmers else owners.get((canonical_channel(channel), external_id))
        if fid is None or not _is_question(text):
            continue
        farmer = farmers[fid]
        if as_utc(created_at) < as_utc(farmer.since):
            continue  # said before the campaign brought them: not the campaign's doing
        funnel = funnels[farmer.placement_id]
        funnel.questions_by_topic[topic if topic in QUESTION_TOPICS else "other"] += 1
        if fid not in asked[farmer.placement_id]:
            asked[farmer.placement_id].add(fid)
            funnel.asked += 1
            _day(funnel, china_day(created_at)).asked += 1
        if intent not in QUESTION_INTENTS:
            continue  # form answers (name, phone, ID, village), commands and small talk are never listed
        key = _normalise(text)
        _tally(questions, key, fid)
        if answered is False:
            _tally(unanswered, key, fid)
    return questions, unanswered


def _handoff_counts(session: Session, farmers: dict[int, _Farmer], funnels: dict[int, PlacementFunnel]) -> None:
    """Farmers handed to a person (hand-off records, or a request for a person in the transcript), and farmers
    who started a pre-application (from the transcript); only what happened after the attributed arrival counts."""
    if not farmers:
        return
    owners = _turn_owner(farmers)

    def owner(farmer_id: int | None, channel: str, external_id: str, at: datetime) -> int | None:
        fid = farmer_id if farmer_id in farmers else owners.get((canonical_channel(channel), external_id))
        if fid is None or as_utc(at) < as_utc(farmers[fid].since):
            return None
        return fid

    turns = session.execute(
        select(
            ConversationTurn.farmer_id,
            ConversationTurn.channel,
            ConversationTurn.external_id,
            ConversationTurn.created_at,
            ConversationTurn.intent,
        ).where(
            ConversationTurn.direction == "in",
            ConversationTurn.intent.in_([HANDOFF_INTENT, START_APPLICATION_INTENT]),
        )
    ).all()
    handed: set[int] = set()
    started: set[int] = set()
    for farmer_id, channel, external_id, at, intent in turns:
        fid = owner(farmer_id, channel, external_id, at)
        if fid is not None:
            (handed if intent == HANDOFF_INTENT else started).add(fid)
    external_ids = [farmer.external_id for farmer in farmers.values()]
    handoffs = session.execute(
        select(Handoff.farmer_id, Handoff.channel, Handoff.external_id, Handoff.opened_at).where(
            Handoff.farmer_id.in_(list(farmers)) | Handoff.external_id.in_(external_ids)
        )
    ).all()
    for farmer_id, channel, external_id, at in handoffs:
        fid = owner(farmer_id, channel, external_id, at)
        if fid is not None:
            handed.add(fid)
    for fid in handed:
        funnels[farmers[fid].placement_id].handoffs += 1
    for fid in started:
        funnels[farmers[fid].placement_id].started += 1


def _application_counts(session: Session, funnels: dict[int, PlacementFunnel], model: Model) -> None:
    column = ApplicationAttribution.first_placement_id if model == "first" else ApplicationAttribution.last_placement_id
    rows = session.execute(
        select(column, PreApplication.status, PreApplication.created_at)
        .join(PreApplication, PreApplication.id == ApplicationAttribution.application_id)
        .where(column.in_(list(funnels)))
    ).all()
    for placement_id, status, created_at in rows:
        if placement_id is None:
            continue
        funnel = funnels[placement_id]
        funnel.submitted += 1
        _day(funnel, china_day(created_at)).submitted += 1
        if status == "approved":
            funnel.approved += 1
        elif status == "declined":
            funnel.declined += 1


def _unmatched_arrivals(session: Session, placement_ids: set[int], *, count_unknown: bool) -> tuple[int, int, int]:
    """Unique farmers whose payload was unknown (only in the all-campaigns report), and farmers who arrived
    after their campaign ended or before it started."""
    unknown = 0
    if count_unknown:
        unknown = len(
            set(session.scalars(select(CampaignArrival.farmer_id).where(CampaignArrival.outcome == "unknown")))
        )
    outside = {
        outcome: len(
            set(
                session.scalars(
                    select(CampaignArrival.farmer_id).where(
                        CampaignArrival.outcome == outcome, CampaignArrival.placement_id.in_(list(placement_ids))
                    )
                )
            )
        )
        for outcome in ("expired", "not_started")
    }
    return unknown, outside["expired"], outside["not_started"]


def _is_question(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("/")


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text.strip()).lower()[:200]


def _tally(counter: dict[str, tuple[set[int], int]], key: str, farmer_id: int) -> None:
    farmers, times = counter.get(key, (set(), 0))
    farmers.add(farmer_id)
    counter[key] = (farmers, times + 1)


def _top(counter: dict[str, tuple[set[int], int]], limit: int) -> list[QuestionCount]:
    ranked = Counter(
        {key: len(farmers) for key, (farmers, _times) in counter.items() if len(farmers) >= MIN_FARMERS_PER_TEXT}
    )
    return [QuestionCount(key, count, counter[key][1]) for key, count in ranked.most_common(limit)]
