"""Hand-offs to a person: open one per conversation, keep the farmer's messages, staff replies, close, rate."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow
from core.errors import NonghuiError
from core.text import Bilingual, bi
from store.db import as_utc, session_scope
from store.models import Farmer, Handoff, HandoffMessage, PreApplication, StaffUser, Station
from store.outbox import NewMessage, add_message
from store.staff import StaffScope, audit_in

OPEN = "open"
CLOSED = "closed"
MAX_MESSAGE_CHARS = 4000

log = logging.getLogger(__name__)


class HandoffError(NonghuiError):
    """A hand-off operation that cannot be done."""


class StationInfo(BaseModel):
    """What the farmer and staff need to know about a station."""

    model_config = ConfigDict(frozen=True)

    id: int
    code: str
    name: Bilingual
    hours: Bilingual
    phone: str


class HandoffView(BaseModel):
    """A hand-off as the bot and the console see it."""

    model_config = ConfigDict(frozen=True)

    id: int
    channel: str
    external_id: str
    station: StationInfo | None
    state: str
    reason: str
    lang: str
    opened_at: datetime
    last_activity_at: datetime
    first_staff_reply_at: datetime | None
    closed_at: datetime | None
    assigned_staff_id: int | None
    assigned_name: str | None
    rating: int | None

    @property
    def is_open(self) -> bool:
        """True until staff close it (or it idles out)."""
        return self.state == OPEN


class HandoffMessageView(BaseModel):
    """One message of a hand-off thread."""

    model_config = ConfigDict(frozen=True)

    id: int
    direction: str
    text: str
    media_type: str | None
    media_ref: str | None
    staff_name: str | None
    created_at: datetime


class QueueEntry(BaseModel):
    """A line of a station's queue: the hand-off and how many farmer messages it holds."""

    model_config = ConfigDict(frozen=True)

    handoff: HandoffView
    farmer_messages: int
    last_farmer_text: str


NoticeBuilder = Callable[[HandoffView], NewMessage | None]


class SqlHandoffs:
    """Hand-off storage; every console read or change takes the acting staff member's scope."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    # ------------------------------------------------------------------ farmer side (the bot)

    def open_for(self, channel: str, external_id: str) -> HandoffView | None:
        """The conversation's open hand-off, if any."""
        with session_scope(self._sessions) as session:
            row = _open_row(session, channel, external_id)
            return _view(session, row) if row else None

    def station(self, code: str) -> StationInfo | None:
        """An active station by code."""
        with session_scope(self._sessions) as session:
            row = session.scalar(select(Station).where(Station.code == code, Station.active))
            return _station(row) if row else None

    def station_of_latest_application(self, channel: str, external_id: str) -> StationInfo | None:
        """The station of the farmer's newest pre-application, if they have one."""
        with session_scope(self._sessions) as session:
            row = session.scalar(
                select(Station)
                .join(PreApplication, PreApplication.station_id == Station.id)
                .join(Farmer, Farmer.id == PreApplication.farmer_id)
                .where(Farmer.channel == channel, Farmer.external_id == external_id)
                .order_by(PreApplication.id.desc())
                .limit(1)
            )
            return _station(row) if row else None

    def open(
        self,
        *,
        channel: str,
        external_id: str,
        lang: str,
        reason: str,
        station_code: str | None,
        alerts: Callable[[HandoffView], list[NewMessage]] | None = None,
    ) -> tuple[HandoffView, bool]:
        """Open a hand-off (or return the one already open: False); `alerts` are queued with a new one."""
        existing = self.open_for(channel, external_id)
        if existing is not None:
            return existing, False
        now = self._clock()
        try:
            with session_scope(self._sessions) as session:
                farmer = session.scalar(
                    select(Farmer).where(Farmer.channel == channel, Farmer.external_id == external_id)
                )
                if farmer is None:
                    farmer = Farmer(channel=channel, external_id=external_id, lang=lang, first_seen=now, last_seen=now)
                    session.add(farmer)
                    session.flush()
                station_id = None
                if station_code:
                    station_id = session.scalar(select(Station.id).where(Station.code == station_code))
                row = Handoff(
                    farmer_id=farmer.id,
                    channel=channel,
                    external_id=external_id,
                    station_id=station_id,
                    state=OPEN,
                    reason=reason[:32],
                    lang="en" if lang == "en" else "zh",
                    opened_at=now,
                    last_activity_at=now,
                )
                session.add(row)
                session.flush()
                view = _view(session, row)
                for alert in alerts(view) if alerts else []:
                    add_message(session, alert, now)
        except IntegrityError:
            again = self.open_for(channel, external_id)
            if again is None:
                raise
            return again, False
        log.info("hand-off %s opened (%s) for station %s", view.id, reason, station_code or "default queue")
        return view, True

    def record_farmer_message(
        self, handoff_id: int, *, text: str, media_type: str | None = None, media_ref: str | None = None
    ) -> None:
        """Keep what the farmer sent while the hand-off is open (text already masked for logs is not needed here)."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            row = session.get(Handoff, handoff_id)
            if row is None:
                raise HandoffError("no such hand-off")
            session.add(
                HandoffMessage(
                    handoff_id=handoff_id,
                    direction="farmer",
                    text=text[:MAX_MESSAGE_CHARS],
                    media_type=media_type,
                    media_ref=(media_ref or None) and media_ref[:256],
                    created_at=now,
                )
            )
            row.last_activity_at = now

    def route_to_station(self, handoff_id: int, station_code: str, *, note: str) -> bool:
        """Move a default-queue hand-off to the station of the village the farmer named; False if not moved."""
        with session_scope(self._sessions) as session:
            row = session.get(Handoff, handoff_id)
            station_id = session.scalar(select(Station.id).where(Station.code == station_code, Station.active))
            if row is None or row.state != OPEN or row.station_id is not None or station_id is None:
                return False
            row.station_id = station_id
            session.add(
                HandoffMessage(handoff_id=handoff_id, direction="system", text=note[:500], created_at=self._clock())
            )
            return True

    def close(
        self, handoff_id: int, *, actor: str, reason: str, notice: NoticeBuilder | None = None
    ) -> HandoffView | None:
        """Close an open hand-off and queue `notice` (the rating request) with it; None if it was not open."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            row = session.get(Handoff, handoff_id)
            if row is None or row.state != OPEN:
                return None
            row.state = CLOSED
            row.closed_at = now
            row.closed_by = actor[:64]
            row.close_reason = reason[:16]
            session.flush()
            view = _view(session, row)
            message = notice(view) if notice else None
            if message is not None:
                add_message(session, message, now)
        log.info("hand-off %s closed (%s)", handoff_id, reason)
        return view

    def rate(self, channel: str, external_id: str, rating: int) -> bool:
        """Store the farmer's 1–5 rating on their latest closed, unrated hand-off; False if there is none."""
        if not 1 <= rating <= 5:
            return False
        with session_scope(self._sessions) as session:
            row = session.scalar(
                select(Handoff)
                .where(Handoff.channel == channel, Handoff.external_id == external_id, Handoff.state == CLOSED)
                .order_by(Handoff.id.desc())
                .limit(1)
            )
            if row is None or row.rating is not None:
                return False
            row.rating = rating
            row.rated_at = self._clock()
            return True

    def idle_since(self, cutoff: datetime) -> list[int]:
        """Open hand-offs that staff answered and where nothing happened since `cutoff`."""
        with session_scope(self._sessions) as session:
            rows = session.scalars(
                select(Handoff.id).where(
                    Handoff.state == OPEN,
                    Handoff.first_staff_reply_at.is_not(None),
                    Handoff.last_activity_at < cutoff,
                )
            )
            return list(rows)

    # ------------------------------------------------------------------ staff side (the console)

    def queue(self, scope: StaffScope) -> list[QueueEntry]:
        """Open hand-offs the person may see, oldest first."""
        with session_scope(self._sessions) as session:
            query = select(Handoff).where(Handoff.state == OPEN).order_by(Handoff.opened_at, Handoff.id)
            query = _scoped(query, scope)
            entries = []
            for row in session.scalars(query):
                count = session.scalar(
                    select(func.count()).where(
                        HandoffMessage.handoff_id == row.id, HandoffMessage.direction == "farmer"
                    )
                )
                last = session.scalar(
                    select(HandoffMessage)
                    .where(HandoffMessage.handoff_id == row.id, HandoffMessage.direction == "farmer")
                    .order_by(HandoffMessage.id.desc())
                    .limit(1)
                )
                preview = (last.text or f"[{last.media_type}]") if last else ""
                entries.append(
                    QueueEntry(
                        handoff=_view(session, row), farmer_messages=int(count or 0), last_farmer_text=preview[:80]
                    )
                )
            return entries

    def recent_closed(self, scope: StaffScope, *, limit: int = 20) -> list[HandoffView]:
        """Recently closed hand-offs the person may see, newest first (with ratings)."""
        with session_scope(self._sessions) as session:
            query = _scoped(select(Handoff).where(Handoff.state == CLOSED), scope)
            rows = session.scalars(query.order_by(Handoff.id.desc()).limit(limit))
            return [_view(session, row) for row in rows]

    def get(self, scope: StaffScope, handoff_id: int) -> HandoffView | None:
        """One hand-off, or None when it does not exist or belongs to a station the person may not see."""
        with session_scope(self._sessions) as session:
            row = session.get(Handoff, handoff_id)
            if row is None or not scope.sees_station(row.station_id):
                return None
            return _view(session, row)

    def messages(self, scope: StaffScope, handoff_id: int) -> list[HandoffMessageView]:
        """The hand-off thread, oldest first ([] when out of scope)."""
        with session_scope(self._sessions) as session:
            row = session.get(Handoff, handoff_id)
            if row is None or not scope.sees_station(row.station_id):
                return []
            rows = session.execute(
                select(HandoffMessage, StaffUser.display_name)
                .outerjoin(StaffUser, StaffUser.id == HandoffMessage.staff_id)
                .where(HandoffMessage.handoff_id == handoff_id)
                .order_by(HandoffMessage.id)
            )
            return [
                HandoffMessageView(
                    id=msg.id,
                    direction=msg.direction,
                    text=msg.text,
                    media_type=msg.media_type,
                    media_ref=msg.media_ref,
                    staff_name=name,
                    created_at=as_utc(msg.created_at),
                )
                for msg, name in rows
            ]

    def staff_reply(self, scope: StaffScope, handoff_id: int, text: str, notice: NoticeBuilder) -> bool:
        """Store a staff reply and queue it for the farmer in one transaction; False when out of scope or closed."""
        text = text.strip()[:MAX_MESSAGE_CHARS]
        if not text:
            return False
        now = self._clock()
        with session_scope(self._sessions) as session:
            row = session.get(Handoff, handoff_id)
            if row is None or row.state != OPEN or not scope.sees_station(row.station_id):
                return False
            session.add(
                HandoffMessage(
                    handoff_id=handoff_id, direction="staff", staff_id=scope.staff_id, text=text, created_at=now
                )
            )
            row.last_activity_at = now
            row.first_staff_reply_at = row.first_staff_reply_at or now
            row.assigned_staff_id = row.assigned_staff_id or scope.staff_id
            session.flush()
            message = notice(_view(session, row))
            if message is not None:
                add_message(session, message, now)
            audit_in(session, scope, now, "handoff_reply", "handoff", str(handoff_id))
            return True

    def staff_close(self, scope: StaffScope, handoff_id: int, notice: NoticeBuilder) -> HandoffView | None:
        """Close a hand-off the person may see and queue the rating request; None when out of scope or closed."""
        if self.get(scope, handoff_id) is None:
            return None
        view = self.close(handoff_id, actor=scope.username, reason="staff", notice=notice)
        if view is not None:
            with session_scope(self._sessions) as session:
                audit_in(session, scope, self._clock(), "handoff_close", "handoff", str(handoff_id))
        return view

    def assign(
        self,
        scope: StaffScope,
        handoff_id: int,
        *,
        staff_id: int | None = None,
        station_code: str | None = None,
        note: str = "",
    ) -> HandoffView | None:
        """Give an open hand-off to a colleague and/or another station, with a note; None when not allowed."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            row = session.get(Handoff, handoff_id)
            if row is None or row.state != OPEN or not scope.sees_station(row.station_id):
                return None
            target_station = row.station_id
            if station_code:
                found = session.scalar(select(Station.id).where(Station.code == station_code, Station.active))
                if found is None:
                    return None
                target_station = found
            if staff_id is not None:
                colleague = session.get(StaffUser, staff_id)
                if colleague is None or not colleague.active or colleague.station_id != target_station:
                    return None
                row.assigned_staff_id = staff_id
            elif target_station != row.station_id:
                row.assigned_staff_id = None
            moved = target_station != row.station_id
            row.station_id = target_station
            who = f"{scope.display_name}"
            summary = f"{who} → {station_code or ''} {('#' + str(staff_id)) if staff_id else ''}".strip()
            session.add(
                HandoffMessage(
                    handoff_id=handoff_id,
                    direction="system",
                    staff_id=scope.staff_id,
                    text=(f"{summary}: {note.strip()}" if note.strip() else summary)[:500],
                    created_at=now,
                )
            )
            audit_in(
                session,
                scope,
                now,
                "handoff_assign",
                "handoff",
                str(handoff_id),
                f"station={station_code or '-'} staff={staff_id or '-'} moved={moved}",
            )
            session.flush()
            return _view(session, row)


def _scoped(query: Select[Handoff], scope: StaffScope) -> Select[Handoff]:
    if scope.is_admin:
        return query
    if scope.station_id is None:
        return query.where(Handoff.station_id.is_(None))
    return query.where(Handoff.station_id == scope.station_id)


def _open_row(session: Session, channel: str, external_id: str) -> Handoff | None:
    return session.scalar(
        select(Handoff).where(Handoff.channel == channel, Handoff.external_id == external_id, Handoff.state == OPEN)
    )


def _station(row: Station) -> StationInfo:
    return StationInfo(
        id=row.id,
        code=row.code,
        name=bi(row.name_zh, row.name_en),
        hours=bi(row.hours_zh, row.hours_en),
        phone=row.phone,
    )


def _view(session: Session, row: Handoff) -> HandoffView:
    station = session.get(Station, row.station_id) if row.station_id else None
    assigned = session.get(StaffUser, row.assigned_staff_id) if row.assigned_staff_id else None
    return HandoffView(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        station=_station(station) if station else None,
        state=row.state,
        reason=row.reason,
        lang="en" if row.lang == "en" else "zh",
        opened_at=as_utc(row.opened_at),
        last_activity_at=as_utc(row.last_activity_at),
        first_staff_reply_at=as_utc(row.first_staff_reply_at),
        closed_at=as_utc(row.closed_at),
        assigned_staff_id=row.assigned_staff_id,
        assigned_name=assigned.display_name if assigned else None,
        rating=row.rating,
    )
