"""Staff accounts (argon2 password hashes), console sessions with CSRF tokens, lock-out, and the audit log."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow
from core.errors import NonghuiError
from store.db import as_utc, session_scope
from store.models import AuditEntry, StaffSession, StaffUser, Station

if TYPE_CHECKING:
    from argon2 import PasswordHasher

Role = Literal["staff", "admin"]
MIN_PASSWORD_CHARS = 10

log = logging.getLogger(__name__)


class StaffError(NonghuiError):
    """A staff-account operation that cannot be done."""


class StaffExistsError(StaffError):
    """The username is taken."""


class UnknownStaffStationError(StaffError):
    """The station code given for a staff account does not exist."""


class WeakPasswordError(StaffError):
    """The password is too short."""


class StaffScope(BaseModel):
    """Who is acting in the console and which station's data they may see (admins: every station)."""

    model_config = ConfigDict(frozen=True)

    staff_id: int
    username: str
    display_name: str
    role: Role
    station_id: int | None
    station_code: str | None
    lang: str

    @property
    def is_admin(self) -> bool:
        """Admins see every station and the admin pages."""
        return self.role == "admin"

    def sees_station(self, station_id: int | None) -> bool:
        """Whether this person may see data of `station_id` (None = the default queue)."""
        return self.is_admin or station_id == self.station_id


class StaffAccount(BaseModel):
    """A staff account as the admin page lists it."""

    model_config = ConfigDict(frozen=True)

    id: int
    username: str
    display_name: str
    role: Role
    station_code: str | None
    active: bool
    locked: bool
    last_login_at: datetime | None


class LoginOutcome(BaseModel):
    """Result of a login attempt: a session token (for the cookie) or why it failed."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    token: str | None = None
    locked: bool = False


class AuditView(BaseModel):
    """One audit-log line."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    username: str
    action: str
    target_type: str
    target_id: str
    detail: str


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a random password with the current parameters, verified against for unknown names."""
    key = f"{hasher.time_cost}:{hasher.memory_cost}:{hasher.parallelism}"
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[key]


def masked_username(username: str, key: bytes) -> str:
    """How an unknown user name appears in the audit log: a keyed digest (`?` + 12 hex characters of
    HMAC-SHA-256), so a password typed into the name field is never stored, yet repeats of one name match."""
    return "?" + hmac.new(key, username.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:12]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class SqlStaff:
    """Staff accounts, sessions and audit log in the database."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        session_lifetime: timedelta = timedelta(hours=12),
        clock: Callable[[], datetime] = utcnow,
        name_key: bytes | None = None,
    ) -> None:
        self._sessions = sessions
        self._name_key = name_key or secrets.token_bytes(32)
        self._lifetime = session_lifetime
        self._clock = clock

    # ------------------------------------------------------------------ accounts

    def create_user(
        self,
        *,
        username: str,
        password: str,
        display_name: str,
        role: Role = "staff",
        station_code: str | None = None,
        lang: str = "zh",
    ) -> int:
        """Create an account; station None means the default queue (or, for admins, no home station)."""
        if len(password) < MIN_PASSWORD_CHARS:
            raise WeakPasswordError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
        username = username.strip().lower()
        if not username:
            raise StaffError("the username is empty")
        password_hash = _hasher().hash(password)
        try:
            with session_scope(self._sessions) as session:
                station_id = None
                if station_code:
                    station_id = session.scalar(select(Station.id).where(Station.code == station_code))
                    if station_id is None:
                        raise UnknownStaffStationError(f"no station {station_code!r}")
                user = StaffUser(
                    username=username,
                    display_name=display_name.strip() or username,
                    password_hash=password_hash,
                    role=role,
                    station_id=station_id,
                    lang="en" if lang == "en" else "zh",
                    active=True,
                    failed_logins=0,
                    created_at=self._clock(),
                )
                session.add(user)
                session.flush()
                return user.id
        except IntegrityError as exc:
            raise StaffExistsError(f"the username {username!r} is taken") from exc

    def set_active(self, staff_id: int, active: bool) -> None:
        """Enable or disable an account; disabling ends its sessions."""
        with session_scope(self._sessions) as session:
            user = session.get(StaffUser, staff_id)
            if user is None:
                raise StaffError("no such staff account")
            user.active = active
            if not active:
                session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))

    def unlock(self, staff_id: int) -> None:
        """Lift a lock-out."""
        with session_scope(self._sessions) as session:
            user = session.get(StaffUser, staff_id)
            if user is not None:
                user.failed_logins = 0
                user.locked_until = None

    def accounts(self) -> list[StaffAccount]:
        """Every account, for the admin page."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            rows = session.execute(
                select(StaffUser, Station.code)
                .outerjoin(Station, Station.id == StaffUser.station_id)
                .order_by(StaffUser.username)
            )
            return [
                StaffAccount(
                    id=user.id,
                    username=user.username,
                    display_name=user.display_name,
                    role="admin" if user.role == "admin" else "staff",
                    station_code=code,
                    active=user.active,
                    locked=bool(user.locked_until and (as_utc(user.locked_until) or now) > now),
                    last_login_at=as_utc(user.last_login_at),
                )
                for user, code in rows
            ]

    def colleagues(self, station_id: int | None) -> list[StaffAccount]:
        """Active accounts of one station (for "assign to a colleague")."""
        return [a for a in self.accounts() if a.active and self._station_id_of(a) == station_id]

    def _station_id_of(self, account: StaffAccount) -> int | None:
        if account.station_code is None:
            return None
        with session_scope(self._sessions) as session:
            return session.scalar(select(Station.id).where(Station.code == account.station_code))

    # ------------------------------------------------------------------ login and sessions

    def login(self, username: str, password: str) -> LoginOutcome:
        """Check the password and start a session on success. Unknown, disabled, locked and wrong all fail the
        same way after the same work (one argon2 verification), and never lock the account: throttling is the
        console's (bot/staff/login_guard.py). Unknown names reach the audit log only as a keyed digest."""
        username = username.strip().lower()[:64]
        now = self._clock()
        hasher = _hasher()
        with session_scope(self._sessions) as session:
            user = session.scalar(select(StaffUser).where(StaffUser.username == username))
            if user is None or not user.active:
                _verify(hasher, _dummy_hash(hasher), password)  # the same work as a real check
                shown = masked_username(username, self._name_key) if user is None else username
                reason = "unknown" if user is None else "disabled"
                _audit(session, now, None, shown, "login_failed", "staff", shown, None, reason)
                return LoginOutcome(ok=False)
            locked_until = as_utc(user.locked_until)
            right = _verify(hasher, user.password_hash, password)
            if locked_until is not None and locked_until > now:
                _audit(session, now, user.id, username, "login_refused_locked", "staff", username, user.station_id, "")
                return LoginOutcome(ok=False)
            if not right:
                user.failed_logins += 1
                _audit(session, now, user.id, username, "login_failed", "staff", username, user.station_id, "")
                return LoginOutcome(ok=False)
            if hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hasher.hash(password)
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            token = secrets.token_urlsafe(32)
            session.add(
                StaffSession(
                    token_hash=_token_hash(token),
                    staff_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + self._lifetime,
                )
            )
            _audit(session, now, user.id, username, "login", "staff", username, user.station_id, "")
            return LoginOutcome(ok=True, token=token)

    def session(self, token: str) -> tuple[StaffScope, str] | None:
        """The scope and CSRF token of a live session, or None (unknown, expired, or account disabled)."""
        if not token or len(token) > 128:
            return None
        now = self._clock()
        with session_scope(self._sessions) as session:
            row = session.get(StaffSession, _token_hash(token))
            if row is None:
                return None
            expires = as_utc(row.expires_at)
            user = session.get(StaffUser, row.staff_id)
            if user is None or not user.active or expires is None or expires <= now:
                session.delete(row)
                return None
            code = (
                session.scalar(select(Station.code).where(Station.id == user.station_id)) if user.station_id else None
            )
            scope = StaffScope(
                staff_id=user.id,
                username=user.username,
                display_name=user.display_name,
                role="admin" if user.role == "admin" else "staff",
                station_id=user.station_id,
                station_code=code,
                lang=user.lang,
            )
            return scope, row.csrf_token

    def logout(self, token: str) -> None:
        """End the session behind `token`."""
        with session_scope(self._sessions) as session:
            row = session.get(StaffSession, _token_hash(token))
            if row is not None:
                _audit(session, self._clock(), row.staff_id, "", "logout", "staff", str(row.staff_id), None, "")
                session.delete(row)

    # ------------------------------------------------------------------ audit log

    def audit(
        self, scope: StaffScope, action: str, *, target_type: str = "", target_id: str = "", detail: str = ""
    ) -> None:
        """Record that `scope` did `action` on a target."""
        with session_scope(self._sessions) as session:
            _audit(
                session,
                self._clock(),
                scope.staff_id,
                scope.username,
                action,
                target_type,
                target_id,
                scope.station_id,
                detail,
            )

    def audit_log(
        self,
        *,
        limit: int = 200,
        offset: int = 0,
        action: str | None = None,
        username: str | None = None,
        station_id: int | None = None,
    ) -> list[AuditView]:
        """Newest audit entries first, optionally only one action, one user name (prefix) or one station."""
        query = select(AuditEntry)
        if action:
            query = query.where(AuditEntry.action == action)
        if username:
            escaped = username.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(AuditEntry.username.like(f"{escaped}%", escape="\\"))
        if station_id is not None:
            query = query.where(AuditEntry.station_id == station_id)
        with session_scope(self._sessions) as session:
            rows = session.scalars(query.order_by(AuditEntry.id.desc()).offset(max(0, offset)).limit(limit))
            return [
                AuditView(
                    at=as_utc(row.at),
                    username=row.username,
                    action=row.action,
                    target_type=row.target_type,
                    target_id=row.target_id,
                    detail=row.detail,
                )
                for row in rows
            ]

    def audit_actions(self) -> list[str]:
        """The distinct actions in the audit log (for the filter)."""
        with session_scope(self._sessions) as session:
            return sorted(session.scalars(select(AuditEntry.action).distinct()))

    def audit_system(
        self, actor: str, action: str, *, target_type: str = "", target_id: str = "", detail: str = ""
    ) -> None:
        """Record an action done outside the console (a command line) by `actor` (e.g. `cli:root`)."""
        with session_scope(self._sessions) as session:
            _audit(session, self._clock(), None, actor, action, target_type, target_id, None, detail)


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def _audit(
    session: Session,
    now: datetime,
    staff_id: int | None,
    username: str,
    action: str,
    target_type: str,
    target_id: str,
    station_id: int | None,
    detail: str,
) -> None:
    session.add(
        AuditEntry(
            at=now,
            staff_id=staff_id,
            username=username[:64],
            action=action[:48],
            target_type=target_type[:32],
            target_id=target_id[:64],
            station_id=station_id,
            detail=detail[:500],
        )
    )


def audit_in(
    session: Session, scope: StaffScope, now: datetime, action: str, target_type: str, target_id: str, detail: str = ""
) -> None:
    """Record an audit entry inside the caller's transaction."""
    _audit(session, now, scope.staff_id, scope.username, action, target_type, target_id, scope.station_id, detail)
