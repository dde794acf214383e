"""Builds the staff console on its own; the composition root hands it to the features that add pages to it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import BotSettings
from bot.staff.console import ConsoleServices, StaffConsole
from loans.stations import Station
from store.applications import ApplicationStore
from store.crypto import cipher_from_settings
from store.handoffs import SqlHandoffs
from store.outbox import SqlOutbox
from store.staff import SqlStaff
from store.station_applications import SqlStationApplications
from store.transcript import SqlTranscript


def build_console(
    settings: BotSettings,
    sessions: sessionmaker[Session],
    *,
    handoffs: SqlHandoffs,
    outbox: SqlOutbox,
    stations: list[Station],
    notify_outbox: Callable[[], None] | None = None,
) -> StaffConsole:
    """The staff console over the shared stores (no I/O beyond reading the data key)."""
    staff = SqlStaff(
        sessions,
        max_failed_logins=settings.staff_max_failed_logins,
        lockout=timedelta(minutes=settings.staff_lockout_minutes),
        session_lifetime=timedelta(hours=settings.staff_session_hours),
    )
    applications = ApplicationStore(sessions, cipher_from_settings(settings))
    console = StaffConsole(
        ConsoleServices(
            staff=staff,
            handoffs=handoffs,
            applications=applications,
            station_applications=SqlStationApplications(sessions),
            outbox=outbox,
            transcript=SqlTranscript(sessions),
            stations=stations,
        ),
        secure_cookies=(
            settings.staff_cookie_secure if settings.staff_cookie_secure is not None else settings.env == "production"
        ),
    )
    if notify_outbox is not None:
        console.services.notify_outbox = notify_outbox
    return console
