"""Builds the staff console on its own; the composition root hands it to the features that add pages to it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.limits import Backoff, RateLimiter, Rule
from bot.settings import BotSettings
from bot.staff.console import ConsoleServices, StaffConsole
from bot.staff.login_guard import LoginLimits
from core.settings import secret_value
from loans.stations import Station
from store.applications import ApplicationStore
from store.crypto import cipher_from_settings, require_key
from store.handoff_audio import SqlHandoffAudio
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
    limiter: RateLimiter | None = None,
) -> StaffConsole:
    """The staff console over the shared stores (no I/O beyond reading the data key); `limiter` throttles
    log-ins."""
    key = require_key(settings.env, value=secret_value(settings.data_key), home=settings.home)
    staff = SqlStaff(
        sessions,
        session_lifetime=timedelta(hours=settings.staff_session_hours),
        name_key=hmac.new(key, b"nonghui audit user names", hashlib.sha256).digest(),
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
            audio=SqlHandoffAudio(sessions, cipher_from_settings(settings)),
        ),
        secure_cookies=(
            settings.staff_cookie_secure if settings.staff_cookie_secure is not None else settings.env == "production"
        ),
        limiter=limiter,
        login_limits=LoginLimits(
            attempts_per_ip=Rule(settings.staff_logins_per_ip_minute, 60),
            per_name_and_ip=Backoff(
                free=settings.staff_max_failed_logins, base_seconds=2, cap_seconds=settings.staff_lockout_minutes * 60
            ),
            concurrent_hashes=settings.staff_concurrent_password_hashes,
        ),
    )
    if notify_outbox is not None:
        console.services.notify_outbox = notify_outbox
    return console
