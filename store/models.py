"""SQLAlchemy 2 models."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.clock import utcnow


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Farmer(Base):
    """A farmer as seen on one channel (Telegram chat or web-chat sender)."""

    __tablename__ = "farmers"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_farmers_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    lang: Mapped[str | None] = mapped_column(String(8))
    first_start_payload: Mapped[str | None] = mapped_column(String(64))
    last_start_payload: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StartEvent(Base):
    """Each `/start` (or web-chat arrival), with its deep-link payload if any: what campaigns count."""

    __tablename__ = "start_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    farmer_id: Mapped[int] = mapped_column(ForeignKey("farmers.id", ondelete="CASCADE"), index=True)
    payload: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProcessedUpdate(Base):
    """An incoming update already handled, so a redelivered one is processed once."""

    __tablename__ = "processed_updates"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChannelStateEntry(Base):
    """A small value a channel shares between bot workers (access token, reply state, offered buttons)."""

    __tablename__ = "channel_state"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class Station(Base):
    """A rural financial service station that receives pre-applications (synced from the station registry)."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    county_code: Mapped[str] = mapped_column(String(8))
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    township_zh: Mapped[str] = mapped_column(String(64))
    township_en: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    hours_zh: Mapped[str] = mapped_column(String(128))
    hours_en: Mapped[str] = mapped_column(String(128))
    rules_region: Mapped[str] = mapped_column(String(64))
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReferenceCounter(Base):
    """Last reference number used per county and year (ZJ-2026-000123)."""

    __tablename__ = "reference_counters"

    county_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class PreApplication(Base):
    """A farmer's loan pre-application. Resident ID and phone are encrypted; personal fields null once deleted."""

    __tablename__ = "pre_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
    farmer_id: Mapped[int | None] = mapped_column(ForeignKey("farmers.id", ondelete="SET NULL"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    village_zh: Mapped[str | None] = mapped_column(String(64))
    village_en: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    applicant_name: Mapped[str | None] = mapped_column(String(64))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    resident_id_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    resident_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    resident_id_masked: Mapped[str | None] = mapped_column(String(24))
    age_at_submission: Mapped[int | None] = mapped_column(Integer)
    household_status: Mapped[str] = mapped_column(String(16))
    amount_yuan: Mapped[int] = mapped_column(Integer)
    term_months: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(32))
    purpose_note: Mapped[str | None] = mapped_column(String(200))
    rules_id: Mapped[str | None] = mapped_column(String(64))
    rules_version: Mapped[str | None] = mapped_column(String(32))
    precheck_outcome: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StatusChange(Base):
    """One step of an application's status history: when, who, from what to what, and an optional note."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("pre_applications.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))


class StationTicket(Base):
    """The work item a station sees for one application."""

    __tablename__ = "station_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("pre_applications.id", ondelete="CASCADE"), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    summary: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConsentRecord(Base):
    """Proof of consent: when, which wording version, in which language, and the hash of the exact text."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("pre_applications.id", ondelete="CASCADE"), index=True)
    farmer_id: Mapped[int | None] = mapped_column(ForeignKey("farmers.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    wording_version: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    text_hash: Mapped[str] = mapped_column(String(64))


# --- Conversation transcript (what farmers said and what they were answered) ---


class ConversationTurn(Base):
    """One message in a conversation: the farmer's turn, a bot reply, a staff reply or a system note.

    Text is stored with phone, ID and card numbers already masked by the bot (see bot/transcript.py).
    """

    __tablename__ = "conversation_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    farmer_id: Mapped[int | None] = mapped_column(ForeignKey("farmers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    topic: Mapped[str | None] = mapped_column(String(16))
    answered: Mapped[bool | None] = mapped_column(Boolean)
    sources: Mapped[str | None] = mapped_column(Text)
    scam_level: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# --- Publicity campaigns (bot/campaigns/, store/campaigns.py; migration 0004_campaigns) ---


class Campaign(Base):
    """A publicity campaign: who runs it, on which topic, where, when and in which language."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(128))
    station_code: Mapped[str | None] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    lang: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignPlacement(Base):
    """One place a campaign's link appears (a poster in a village, a leaflet batch, a video), with its own code."""

    __tablename__ = "campaign_placements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignArrival(Base):
    """An arrival carrying a deep-link payload: the placement it proved, or why not (expired / unknown)."""

    __tablename__ = "campaign_arrivals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    farmer_id: Mapped[int] = mapped_column(ForeignKey("farmers.id", ondelete="CASCADE"), index=True)
    placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_placements.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ApplicationAttribution(Base):
    """First-touch and last-touch placements copied onto a pre-application when it is submitted."""

    __tablename__ = "application_attributions"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("pre_applications.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    first_placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_placements.id", ondelete="SET NULL"), index=True
    )
    last_placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_placements.id", ondelete="SET NULL"), index=True
    )


# --- Staff console and human hand-off (staff accounts, sessions, hand-offs, outbox, audit log) ---


class StaffUser(Base):
    """A person who works in the staff console: station staff (station_id None = the default queue) or admin."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffSession(Base):
    """A logged-in console session; only the SHA-256 of the cookie token is stored."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Handoff(Base):
    """A conversation handed to a person: open until staff close it (or it idles out), then rated by the farmer."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index(
            "uq_handoffs_one_open",
            "channel",
            "external_id",
            unique=True,
            sqlite_where=sql_text("state = 'open'"),
            postgresql_where=sql_text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    farmer_id: Mapped[int | None] = mapped_column(ForeignKey("farmers.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_staff_reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(64))
    close_reason: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HandoffMessage(Base):
    """One message inside a hand-off: from the farmer (text or media reference), from staff, or a system note."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    media_type: Mapped[str | None] = mapped_column(String(16))
    media_ref: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoffAudio(Base):
    """A voice recording a farmer sent during a hand-off on a channel that keeps no file of its own (the web chat),
    sealed with the data key; it lives and goes with its hand-off's messages (store/handoff_audio.py)."""

    __tablename__ = "handoff_audio"

    ref: Mapped[str] = mapped_column(String(40), primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(64))
    audio_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxMessage(Base):
    """A message waiting to reach a farmer (or a staff group): staff replies, status news, rating requests."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[str] = mapped_column(Text, default="[]")
    lang: Mapped[str] = mapped_column(String(8))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="SET NULL"))
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))


class AuditEntry(Base):
    """Who did or viewed what in the staff console, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    station_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(500), default="")


class NumberDraft(Base):
    """A personal number a farmer typed, encrypted, behind the handle Rasa saw instead (short-lived)."""

    __tablename__ = "number_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation: Mapped[str] = mapped_column(String(160), index=True)
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    value_enc: Mapped[bytes] = mapped_column(LargeBinary)
    masked: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class TrackerPurge(Base):
    """A conversation whose events in Rasa's tracker store are to be erased (after a submit, cancel, deletion)."""

    __tablename__ = "tracker_purges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation: Mapped[str] = mapped_column(String(160), unique=True)
    reason: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OfferedButton(Base):
    """A button payload the bot showed to one conversation: only these are passed to Rasa as intents."""

    __tablename__ = "offered_buttons"
    __table_args__ = (UniqueConstraint("sender_id", "payload_hash", name="uq_offered_buttons_sender_payload"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(160), index=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FormView(Base):
    """The pre-application step a conversation is at, as the bot last saw it, and the farmer's last answer."""

    __tablename__ = "form_views"

    sender_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    form_token: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(32))
    prompt_json: Mapped[str | None] = mapped_column(Text)
    last_text_hash: Mapped[str | None] = mapped_column(String(64))
    last_text_step: Mapped[str | None] = mapped_column(String(32))
    last_text_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FormReceipt(Base):
    """A confirmation of a pre-application the bot passed on: until its reference reached the farmer it is open."""

    __tablename__ = "form_receipts"

    form_token: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(160), index=True)
    confirm_payload: Mapped[str] = mapped_column(Text)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ClientMessage(Base):
    """A client message id (web `message_id`) already answered and its answer: a re-send is not applied twice."""

    __tablename__ = "client_messages"

    sender_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    message_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    result_json: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
