"""SQLAlchemy 2 models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


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
