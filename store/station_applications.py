"""Pre-applications as a station's staff see them: listed by status, only for the staff member's station."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from store.db import as_utc, session_scope
from store.models import Farmer, PreApplication, Station
from store.staff import StaffScope


class ApplicationRow(BaseModel):
    """One line of the station's application list (masked contact data only)."""

    model_config = ConfigDict(frozen=True)

    reference: str
    status: str
    station_code: str
    village_zh: str | None
    village_en: str | None
    applicant_name: str | None
    phone_masked: str | None
    amount_yuan: int
    term_months: int
    purpose: str
    created_at: datetime
    updated_at: datetime


class ApplicationExtras(BaseModel):
    """What the detail page shows beyond `ApplicationView`: who applied and how to reach them in the chat."""

    model_config = ConfigDict(frozen=True)

    station_id: int
    applicant_name: str | None
    household_status: str
    purpose_note: str | None
    precheck_outcome: str | None
    farmer_channel: str | None
    farmer_external_id: str | None


class SqlStationApplications:
    """Scoped read access to pre-applications for the console."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def page(
        self, scope: StaffScope, *, status: str | None = None, search: str = "", page: int = 1, per_page: int = 50
    ) -> tuple[list[ApplicationRow], int]:
        """One page of the person's station's applications (admins: all), newest first, optionally of one status
        and matching `search` in the reference, the applicant's name or the village; and the total."""
        with session_scope(self._sessions) as session:
            query = select(PreApplication, Station.code).join(Station, Station.id == PreApplication.station_id)
            if not scope.is_admin:
                if scope.station_id is None:
                    return [], 0
                query = query.where(PreApplication.station_id == scope.station_id)
            if status:
                query = query.where(PreApplication.status == status)
            needle = search.strip().lower()[:64]
            if needle:
                query = query.where(
                    or_(
                        *(
                            func.lower(column).contains(needle, autoescape=True)
                            for column in (
                                PreApplication.reference,
                                PreApplication.applicant_name,
                                PreApplication.village_zh,
                                PreApplication.village_en,
                            )
                        )
                    )
                )
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            ordered = query.order_by(PreApplication.created_at.desc(), PreApplication.id.desc())
            rows = session.execute(ordered.offset((max(page, 1) - 1) * per_page).limit(per_page))
            return [_row(app, code) for app, code in rows], int(total)

    def list(self, scope: StaffScope, *, status: str | None = None, limit: int = 200) -> list[ApplicationRow]:
        """Applications of the person's station (admins: all), oldest first, optionally of one status."""
        with session_scope(self._sessions) as session:
            query = select(PreApplication, Station.code).join(Station, Station.id == PreApplication.station_id)
            if not scope.is_admin:
                if scope.station_id is None:
                    return []
                query = query.where(PreApplication.station_id == scope.station_id)
            if status:
                query = query.where(PreApplication.status == status)
            rows = session.execute(query.order_by(PreApplication.created_at, PreApplication.id).limit(limit))
            return [_row(app, code) for app, code in rows]

    def extras(self, scope: StaffScope, reference: str) -> ApplicationExtras | None:
        """Detail fields of one application, or None when absent or of a station the person may not see."""
        with session_scope(self._sessions) as session:
            app = session.scalar(select(PreApplication).where(PreApplication.reference == reference))
            if app is None or not scope.sees_station(app.station_id):
                return None
            farmer = session.get(Farmer, app.farmer_id) if app.farmer_id else None
            return ApplicationExtras(
                station_id=app.station_id,
                applicant_name=app.applicant_name,
                household_status=app.household_status,
                purpose_note=app.purpose_note,
                precheck_outcome=app.precheck_outcome,
                farmer_channel=farmer.channel if farmer else None,
                farmer_external_id=farmer.external_id if farmer else None,
            )


def _row(app: PreApplication, code: str) -> ApplicationRow:
    return ApplicationRow(
        reference=app.reference,
        status=app.status,
        station_code=code,
        village_zh=app.village_zh,
        village_en=app.village_en,
        applicant_name=app.applicant_name,
        phone_masked=app.phone_masked,
        amount_yuan=app.amount_yuan,
        term_months=app.term_months,
        purpose=app.purpose,
        created_at=as_utc(app.created_at),
        updated_at=as_utc(app.updated_at),
    )
