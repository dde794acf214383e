from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from loans.stations import load_stations
from store.db import session_scope
from store.models import AuditEntry, StaffSession, StaffUser
from store.staff import SqlStaff, StaffExistsError, UnknownStaffStationError, WeakPasswordError
from store.stations import sync_stations
from tests.clock import Clock

PASSWORD = "correct horse battery"


@pytest.fixture
def clock():
    return Clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


@pytest.fixture
def staff(sessions, clock):
    with session_scope(sessions) as session:
        sync_stations(session, load_stations())
    return SqlStaff(sessions, max_failed_logins=3, lockout=timedelta(minutes=15), clock=clock)


def test_password_is_stored_as_an_argon2_hash_and_login_gives_a_scoped_session(staff, sessions):
    staff.create_user(username="Wang", password=PASSWORD, display_name="王", station_code="ZJ-QS")
    with session_scope(sessions) as session:
        stored = session.scalar(select(StaffUser.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    outcome = staff.login("wang", PASSWORD)
    assert outcome.ok and outcome.token
    scope, csrf = staff.session(outcome.token)
    assert scope.username == "wang" and scope.station_code == "ZJ-QS" and not scope.is_admin and len(csrf) > 20
    with session_scope(sessions) as session:
        assert session.scalar(select(StaffSession.token_hash)) != outcome.token  # only a hash of the token


def test_bad_accounts_are_refused(staff):
    with pytest.raises(WeakPasswordError):
        staff.create_user(username="a", password="short", display_name="A")
    with pytest.raises(UnknownStaffStationError):
        staff.create_user(username="a", password=PASSWORD, display_name="A", station_code="NOPE")
    staff.create_user(username="a", password=PASSWORD, display_name="A")
    with pytest.raises(StaffExistsError):
        staff.create_user(username="A", password=PASSWORD, display_name="A again")


def test_repeated_failures_lock_the_account_even_for_the_right_password(staff, clock, sessions):
    staff.create_user(username="li", password=PASSWORD, display_name="李")
    assert [staff.login("li", "wrong").locked for _ in range(3)] == [False, False, True]
    refused = staff.login("li", PASSWORD)
    assert not refused.ok and refused.locked
    clock.moment += timedelta(minutes=16)
    assert staff.login("li", PASSWORD).ok
    with session_scope(sessions) as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["login_failed", "login_failed", "account_locked", "login_refused_locked", "login"]


def test_sessions_expire_end_at_logout_and_when_the_account_is_disabled(staff, clock):
    staff_id = staff.create_user(username="zhao", password=PASSWORD, display_name="赵")
    token = staff.login("zhao", PASSWORD).token
    assert staff.session(token) is not None
    staff.logout(token)
    assert staff.session(token) is None
    token = staff.login("zhao", PASSWORD).token
    staff.set_active(staff_id, False)
    assert staff.session(token) is None
    assert not staff.login("zhao", PASSWORD).ok
    staff.set_active(staff_id, True)
    token = staff.login("zhao", PASSWORD).token
    clock.moment += timedelta(hours=13)
    assert staff.session(token) is None
    assert staff.session("made-up-token") is None
