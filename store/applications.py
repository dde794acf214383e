"""Pre-applications: idempotent submission, status history, farmer status queries and data deletion."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol, cast, runtime_checkable

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from core.clock import utcnow
from core.errors import NonghuiError
from core.lang import Lang
from core.text import Bilingual, bi
from loans.consent import consent_hash
from loans.forms import PreApplicationForm
from loans.status import ApplicationStatus, can_change
from loans.validation import mask_phone, term_text
from store.campaigns import attribute_application
from store.db import as_utc, session_scope
from store.models import (
    ConsentRecord,
    ConversationTurn,
    Farmer,
    Handoff,
    HandoffAudio,
    HandoffMessage,
    OutboxMessage,
    PreApplication,
    ReferenceCounter,
    StationTicket,
    StatusChange,
)
from store.models import Station as StationRow

CHINA_TIME = timezone(timedelta(hours=8))
FARMER_ACTOR = "farmer"
RESIDENT_ID_FIELD = "resident_id"
PHONE_FIELD = "phone"
DELETED_NAME = None
_SUBMIT_ATTEMPTS = 3

log = logging.getLogger(__name__)


class ApplicationError(NonghuiError):
    """A pre-application operation that cannot be done."""


class UnknownStationError(ApplicationError):
    """The form names a station that is not in the database (or no longer active)."""


class UnknownApplicationError(ApplicationError):
    """No pre-application with this reference."""


class StatusTransitionError(ApplicationError):
    """A status change the workflow does not allow (e.g. approved → received)."""


class StatusEntry(BaseModel):
    """One step of the history."""

    model_config = ConfigDict(frozen=True)

    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    at: datetime
    actor: str
    note: str | None


class ApplicationView(BaseModel):
    """A pre-application as the farmer and the station see it (personal data masked)."""

    model_config = ConfigDict(frozen=True)

    reference: str
    status: ApplicationStatus
    station_code: str
    station_name: Bilingual
    station_phone: str
    station_hours: Bilingual
    amount_yuan: int
    term_months: int
    purpose: str
    lang: Lang
    phone_masked: str | None
    resident_id_masked: str | None
    created_at: datetime
    updated_at: datetime
    history: list[StatusEntry]

    def summary(self, lang: Lang) -> str:
        """A short status answer for the farmer."""
        day = self.created_at.astimezone(CHINA_TIME).date().isoformat()
        term = term_text(self.term_months).get(lang)
        if lang == "zh":
            return (
                f"申请编号 {self.reference}（{day}，{self.amount_yuan:,} 元，{term}）：{self.status.label.zh}。"
                f"服务站：{self.station_name.zh}，电话 {self.station_phone}。"
            )
        return (
            f"Application {self.reference} ({day}, {self.amount_yuan:,} yuan, {term}): {self.status.label.en}. "
            f"Station: {self.station_name.en}, phone {self.station_phone}."
        )


class SubmitResult(BaseModel):
    """The stored application and whether this call created it (False: the same form was already submitted)."""

    model_config = ConfigDict(frozen=True)

    application: ApplicationView
    created: bool

    def message(self, lang: Lang) -> str:
        """The confirmation for the farmer."""
        app = self.application
        if lang == "zh":
            return (
                f"预申请已提交，编号 {app.reference}。{app.station_name.zh}会在几个工作日内给 {app.phone_masked} "
                f"打电话，也可以打 {app.station_phone}（{app.station_hours.zh}）。这不是贷款批准，最终由银行审核。"
            )
        return (
            f"Pre-application sent, reference {app.reference}. {app.station_name.en} will call {app.phone_masked} "
            f"within a few working days, or call them on {app.station_phone} ({app.station_hours.en}). "
            "This is not a loan approval: the bank decides."
        )


ERASED_TEXT = "[deleted at the farmer's request]"


class DeletionReport(BaseModel):
    """What `delete_farmer_data` did."""

    farmer_found: bool
    applications_anonymised: int
    messages_erased: int = 0


DELETION_DONE = bi(
    "您的个人信息已删除（只保留不含个人信息的统计）。",
    "Your personal data has been deleted (only anonymous counts are kept).",
)


class SealsFields(Protocol):
    """What storing an application needs of the cryptography: seal a field, hash a look-up value.

    store.crypto.FieldSealer (the action server: public key and lookup key only) or store.crypto.FieldCipher."""

    def seal(self, plaintext: str, *, field: str, context: str = "") -> bytes:
        """Encrypt one value so that only the data key's holder opens it."""
        ...

    def lookup_hash(self, value: str, *, field: str) -> str:
        """Keyed hash of a normalised value, to find records without opening them."""
        ...


@runtime_checkable
class OpensFields(SealsFields, Protocol):
    """A cipher that can open stored values as well (store.crypto.FieldCipher: the bot's staff console)."""

    def decrypt(self, blob: bytes, *, field: str, context: str = "") -> str:
        """Open a stored value of the same field and context."""
        ...


class ContactSealedError(ApplicationError):
    """This process seals personal data but holds no key to open it (the action server)."""


class ApplicationStore:
    """Pre-application storage; personal fields sealed with `cipher` (only the data key opens them), times from
    `clock`. Given an encrypt-only sealer, the store writes and counts but never reveals a contact."""

    def __init__(
        self, sessions: sessionmaker[Session], cipher: SealsFields, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._clock = clock

    def submit_application(self, form: PreApplicationForm) -> SubmitResult:
        """Store application + ticket + status 'received' + consent in one transaction; idempotent by form token."""
        for _attempt in range(_SUBMIT_ATTEMPTS):
            existing = self._by_token(form.form_token)
            if existing is not None:
                log.info("pre-application %s already stored for this form; returning it", existing.reference)
                return SubmitResult(application=existing, created=False)
            try:
                with session_scope(self._sessions) as session:
                    reference = self._insert(session, form)
            except IntegrityError:
                continue  # a concurrent submit of the same form (or of the same new farmer) won: look again
            view = self.get_application(reference)
            if view is None:  # pragma: no cover - committed just above
                raise ApplicationError("stored pre-application vanished")
            log.info("pre-application %s stored for station %s", reference, form.station_code)
            return SubmitResult(application=view, created=True)
        raise ApplicationError("could not store the pre-application after repeated conflicts")

    def _insert(self, session: Session, form: PreApplicationForm) -> str:
        now = self._clock().astimezone(UTC)
        station = session.scalar(select(StationRow).where(StationRow.code == form.station_code, StationRow.active))
        if station is None:
            raise UnknownStationError(f"no active station {form.station_code!r}")
        farmer = _farmer(session, form.channel, form.external_id, form.lang, now)
        reference = _next_reference(session, station.county_code, now.astimezone(CHINA_TIME).year)
        resident = form.resident()
        app = PreApplication(
            reference=reference,
            form_token=form.form_token,
            farmer_id=farmer.id,
            station_id=station.id,
            village_zh=form.village_zh,
            village_en=form.village_en,
            lang=form.lang,
            applicant_name=form.name,
            phone_enc=self._cipher.seal(form.phone, field=PHONE_FIELD, context=reference),
            phone_masked=mask_phone(form.phone),
            resident_id_enc=self._cipher.seal(resident.number, field=RESIDENT_ID_FIELD, context=reference),
            resident_id_hash=self._cipher.lookup_hash(resident.number, field=RESIDENT_ID_FIELD),
            resident_id_masked=resident.masked,
            age_at_submission=resident.age_on(now.astimezone(CHINA_TIME).date()),
            household_status=form.household_status,
            amount_yuan=form.amount_yuan,
            term_months=form.term_months,
            purpose=form.purpose,
            purpose_note=form.purpose_note,
            rules_id=form.rules_id,
            rules_version=form.rules_version,
            precheck_outcome=form.precheck_outcome,
            status=ApplicationStatus.RECEIVED.value,
            created_at=now,
            updated_at=now,
        )
        session.add(app)
        session.flush()
        attribute_application(session, application_id=app.id, farmer_id=farmer.id)
        session.add_all(
            [
                StatusChange(
                    application_id=app.id,
                    from_status=None,
                    to_status=ApplicationStatus.RECEIVED.value,
                    at=now,
                    actor=FARMER_ACTOR,
                    note=None,
                ),
                StationTicket(
                    application_id=app.id,
                    station_id=station.id,
                    state="open",
                    created_at=now,
                    summary=_ticket_summary(app, form.other_loans),
                ),
                ConsentRecord(
                    application_id=app.id,
                    farmer_id=farmer.id,
                    at=form.consent_at.astimezone(UTC) if form.consent_at else now,
                    wording_version=form.consent_version,
                    lang=form.lang,
                    text_hash=consent_hash(form.consent_version, form.lang),
                ),
            ]
        )
        return reference

    def _by_token(self, token: str) -> ApplicationView | None:
        with session_scope(self._sessions) as session:
            app = session.scalar(select(PreApplication).where(PreApplication.form_token == token))
            return _view(session, app) if app else None

    def get_application(self, reference: str) -> ApplicationView | None:
        """One application by reference number."""
        with session_scope(self._sessions) as session:
            app = session.scalar(select(PreApplication).where(PreApplication.reference == reference.strip().upper()))
            return _view(session, app) if app else None

    def applications_for_farmer(self, *, channel: str, external_id: str) -> list[ApplicationView]:
        """A farmer's applications, newest first (for "what is the status of my application?")."""
        with session_scope(self._sessions) as session:
            farmer = _find_farmer(session, channel, external_id)
            if farmer is None:
                return []
            apps = session.scalars(
                select(PreApplication).where(PreApplication.farmer_id == farmer.id).order_by(PreApplication.id.desc())
            )
            return [_view(session, app) for app in apps]

    def find_by_resident_id(self, resident_id: str) -> list[ApplicationView]:
        """Applications carrying this (normalised) resident ID, found through its keyed hash."""
        digest = self._cipher.lookup_hash(resident_id.strip().upper(), field=RESIDENT_ID_FIELD)
        with session_scope(self._sessions) as session:
            apps = session.scalars(select(PreApplication).where(PreApplication.resident_id_hash == digest))
            return [_view(session, app) for app in apps]

    def reveal_contact(self, reference: str) -> tuple[str, str] | None:
        """(phone, resident ID) in clear for the station that must call the farmer; None once deleted.

        ContactSealedError when this store only seals (the action server holds no key that opens them)."""
        opener = self._cipher
        if not isinstance(opener, OpensFields):
            raise ContactSealedError("this process holds no key that opens stored personal data")
        with session_scope(self._sessions) as session:
            app = session.scalar(select(PreApplication).where(PreApplication.reference == reference))
            if app is None or app.phone_enc is None or app.resident_id_enc is None:
                return None
            return (
                opener.decrypt(app.phone_enc, field=PHONE_FIELD, context=app.reference),
                opener.decrypt(app.resident_id_enc, field=RESIDENT_ID_FIELD, context=app.reference),
            )

    def change_status(
        self, reference: str, new_status: ApplicationStatus, *, actor: str, note: str | None = None
    ) -> ApplicationView:
        """Move an application along the workflow and record who did it, when and why."""
        with session_scope(self._sessions) as session:
            app = session.scalar(select(PreApplication).where(PreApplication.reference == reference).with_for_update())
            if app is None:
                raise UnknownApplicationError(f"no pre-application {reference!r}")
            current = ApplicationStatus(app.status)
            if not can_change(current, new_status):
                raise StatusTransitionError(f"{reference}: {current.value} → {new_status.value} is not allowed")
            now = self._clock().astimezone(UTC)
            session.add(
                StatusChange(
                    application_id=app.id,
                    from_status=current.value,
                    to_status=new_status.value,
                    at=now,
                    actor=actor[:64],
                    note=note[:500] if note else None,
                )
            )
            app.status = new_status.value
            app.updated_at = now
            if new_status.final:
                session.execute(
                    update(StationTicket)
                    .where(StationTicket.application_id == app.id)
                    .values(state="closed", closed_at=now)
                )
            session.flush()
            log.info("pre-application %s: %s → %s by %s", reference, current.value, new_status.value, actor[:64])
            return _view(session, app)

    def delete_farmer_data(self, *, channel: str, external_id: str) -> DeletionReport:
        """The farmer asked to delete their data: personal fields are erased, anonymous counts stay."""
        with session_scope(self._sessions) as session:
            farmer = _find_farmer(session, channel, external_id)
            erased = erase_conversation(session, channel=channel, external_id=external_id, farmer=farmer)
            if farmer is None:
                return DeletionReport(farmer_found=False, applications_anonymised=0, messages_erased=erased)
            now = self._clock().astimezone(UTC)
            apps = list(session.scalars(select(PreApplication).where(PreApplication.farmer_id == farmer.id)))
            for app in apps:
                app.applicant_name = DELETED_NAME
                app.phone_enc = app.phone_masked = None
                app.resident_id_enc = app.resident_id_hash = app.resident_id_masked = None
                app.purpose_note = None
                app.anonymised_at = now
                session.execute(update(StatusChange).where(StatusChange.application_id == app.id).values(note=None))
                session.execute(
                    update(StationTicket)
                    .where(StationTicket.application_id == app.id)
                    .values(summary=f"{app.reference} [personal data deleted at the farmer's request]")
                )
            farmer.external_id = f"deleted:{secrets.token_hex(8)}"
            farmer.channel = "deleted"
            log.info("personal data deleted for a farmer (%d applications anonymised)", len(apps))
            return DeletionReport(farmer_found=True, applications_anonymised=len(apps), messages_erased=erased)

    def count_by_status(self) -> dict[str, int]:
        """How many applications are in each status (anonymised ones included)."""
        with session_scope(self._sessions) as session:
            rows = session.execute(select(PreApplication.status, func.count()).group_by(PreApplication.status))
            return {status: int(count) for status, count in rows}


def erase_conversation(session: Session, *, channel: str, external_id: str, farmer: Farmer | None) -> int:
    """Erase what the farmer said and was told (transcript, hand-off messages, outbox); return how many messages.

    Hand-offs themselves stay (without text and without the farmer's chat id) so station counts remain right.
    """
    farmer_id = farmer.id if farmer is not None else None
    mine_turns = (ConversationTurn.channel == channel) & (ConversationTurn.external_id == external_id)
    if farmer_id is not None:
        mine_turns = mine_turns | (ConversationTurn.farmer_id == farmer_id)
    erased = _rows(session, delete(ConversationTurn).where(mine_turns))
    mine_handoffs = (Handoff.channel == channel) & (Handoff.external_id == external_id)
    if farmer_id is not None:
        mine_handoffs = mine_handoffs | (Handoff.farmer_id == farmer_id)
    handoff_ids = list(session.scalars(select(Handoff.id).where(mine_handoffs)))
    if handoff_ids:
        erased += _rows(
            session,
            update(HandoffMessage)
            .where(HandoffMessage.handoff_id.in_(handoff_ids))
            .values(text=ERASED_TEXT, media_ref=None),
        )
        session.execute(delete(HandoffAudio).where(HandoffAudio.handoff_id.in_(handoff_ids)))  # web recordings
        for handoff in session.scalars(select(Handoff).where(Handoff.id.in_(handoff_ids))):
            handoff.channel, handoff.external_id = "deleted", f"deleted:{secrets.token_hex(8)}"
            if handoff.state == "open":
                handoff.state, handoff.closed_at, handoff.close_reason = "closed", utcnow(), "deleted"
    erased += _rows(
        session, delete(OutboxMessage).where(OutboxMessage.channel == channel, OutboxMessage.external_id == external_id)
    )
    return int(erased)


def _rows(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it touched."""
    result = cast("CursorResult[Any]", session.execute(statement))
    return int(result.rowcount or 0)


def _find_farmer(session: Session, channel: str, external_id: str) -> Farmer | None:
    return session.scalar(select(Farmer).where(Farmer.channel == channel, Farmer.external_id == external_id))


def _farmer(session: Session, channel: str, external_id: str, lang: str, now: datetime) -> Farmer:
    farmer = _find_farmer(session, channel, external_id)
    if farmer is None:
        farmer = Farmer(channel=channel, external_id=external_id, lang=lang, first_seen=now, last_seen=now)
        session.add(farmer)
        session.flush()
    return farmer


def _next_reference(session: Session, county_code: str, year: int) -> str:
    """Take the next number of the county's yearly sequence; the row lock serialises concurrent submits."""
    dialect = session.get_bind().dialect.name
    values = {"county_code": county_code, "year": year, "last_value": 0}
    if dialect == "postgresql":
        session.execute(postgresql.insert(ReferenceCounter).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(ReferenceCounter).values(**values).on_conflict_do_nothing())
    elif session.get(ReferenceCounter, (county_code, year)) is None:
        session.add(ReferenceCounter(**values))
        session.flush()
    number = session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.county_code == county_code, ReferenceCounter.year == year)
        .values(last_value=ReferenceCounter.last_value + 1)
        .returning(ReferenceCounter.last_value)
    ).scalar_one()
    return f"{county_code}-{year}-{number:06d}"


def _ticket_summary(app: PreApplication, other_loans: bool | None = None) -> str:
    """What the station's ticket shows: masked contact data only."""
    loans = {True: "yes", False: "no", None: "not asked"}[other_loans]
    return (
        f"{app.reference}: {app.applicant_name}, {app.phone_masked}, {app.amount_yuan} yuan / "
        f"{app.term_months} months, {app.purpose}, household {app.household_status}, other loans {loans}"
    )[:500]


def _view(session: Session, app: PreApplication) -> ApplicationView:
    station = session.get(StationRow, app.station_id)
    if station is None:  # pragma: no cover - foreign key
        raise ApplicationError("application without station")
    history = session.scalars(
        select(StatusChange).where(StatusChange.application_id == app.id).order_by(StatusChange.id)
    )
    return ApplicationView(
        reference=app.reference,
        status=ApplicationStatus(app.status),
        station_code=station.code,
        station_name=bi(station.name_zh, station.name_en),
        station_phone=station.phone,
        station_hours=bi(station.hours_zh, station.hours_en),
        amount_yuan=app.amount_yuan,
        term_months=app.term_months,
        purpose=app.purpose,
        lang="en" if app.lang == "en" else "zh",
        phone_masked=app.phone_masked,
        resident_id_masked=app.resident_id_masked,
        created_at=as_utc(app.created_at),
        updated_at=as_utc(app.updated_at),
        history=[
            StatusEntry(
                from_status=ApplicationStatus(h.from_status) if h.from_status else None,
                to_status=ApplicationStatus(h.to_status),
                at=as_utc(h.at),
                actor=h.actor,
                note=h.note,
            )
            for h in history
        ],
    )
