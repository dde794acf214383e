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
    return SqlStaff(sessions, clock=clock)


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


def test_repeated_failures_never_lock_the_account(staff, sessions):
    staff.create_user(username="li", password=PASSWORD, display_name="李")
    outcomes = [staff.login("li", "wrong") for _ in range(20)]
    assert all(not o.ok and not o.locked for o in outcomes)
    assert staff.login("li", PASSWORD).ok  # a stranger's failures never shut the owner out
    with session_scope(sessions) as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["login_failed"] * 20 + ["login"]


def test_unknown_wrong_disabled_and_locked_fail_alike_after_one_password_verification(staff, sessions, monkeypatch):
    import store.staff as module

    staff.create_user(username="li", password=PASSWORD, display_name="李")
    off = staff.create_user(username="off", password=PASSWORD, display_name="停用")
    staff.set_active(off, False)
    staff.create_user(username="old", password=PASSWORD, display_name="旧锁定")
    with session_scope(sessions) as session:
        session.scalar(select(StaffUser).where(StaffUser.username == "old")).locked_until = datetime(2099, 1, 1)
    real_verify = module._verify
    calls: list[str] = []

    def counting(hasher, stored, password):
        calls.append(password)
        return real_verify(hasher, stored, password)

    monkeypatch.setattr(module, "_verify", counting)
    outcomes = [
        staff.login("nobody", "x-password"),
        staff.login("li", "x-password"),
        staff.login("off", PASSWORD),
        staff.login("old", PASSWORD),
    ]

    assert {o.model_dump_json() for o in outcomes} == {'{"ok":false,"token":null,"locked":false}'}
    assert calls == ["x-password", "x-password", PASSWORD, PASSWORD]  # one verification each


def test_unknown_user_names_are_not_written_to_the_audit_log_in_clear(staff, sessions):
    secret_typed_as_name = "MySecretPassw0rd!"
    staff.login(secret_typed_as_name, "whatever")
    staff.login(secret_typed_as_name, "again")
    with session_scope(sessions) as session:
        rows = list(session.scalars(select(AuditEntry)))
    dumped = " ".join(f"{r.username} {r.target_id} {r.detail}" for r in rows).lower()
    assert secret_typed_as_name.lower() not in dumped
    assert rows[0].username.startswith("?") and rows[0].username == rows[1].username  # repeats still match


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
