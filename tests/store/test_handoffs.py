from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from loans.stations import load_stations
from store.db import session_scope
from store.handoffs import SqlHandoffs
from store.models import Handoff, HandoffMessage, OutboxMessage
from store.outbox import NewMessage
from store.staff import SqlStaff, StaffScope
from store.stations import sync_stations
from tests.clock import Clock


@pytest.fixture
def clock():
    return Clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


@pytest.fixture
def handoffs(sessions, clock):
    with session_scope(sessions) as session:
        sync_stations(session, load_stations())
    return SqlHandoffs(sessions, clock=clock)


def scope(sessions, username, station, role="staff"):
    staff = SqlStaff(sessions)
    staff_id = staff.create_user(
        username=username, password="long-enough-pw", display_name=username, role=role, station_code=station
    )
    return next(
        StaffScope(
            staff_id=staff_id,
            username=username,
            display_name=username,
            role=role,
            station_id=_station_id(sessions, station),
            station_code=station,
            lang="zh",
        )
        for _ in [0]
    )


def _station_id(sessions, code):
    if code is None:
        return None
    from store.models import Station

    with session_scope(sessions) as session:
        return session.scalar(select(Station.id).where(Station.code == code))


def reply_notice(view, text="您好"):
    return NewMessage(channel=view.channel, external_id=view.external_id, kind="staff_reply", text=text, lang=view.lang)


def test_opening_twice_keeps_one_open_handoff_per_conversation(handoffs, sessions):
    first, created = handoffs.open(
        channel="telegram", external_id="1", lang="zh", reason="request", station_code="ZJ-QS"
    )
    again, created_again = handoffs.open(channel="web", external_id="1", lang="zh", reason="request", station_code=None)
    same, created_same = handoffs.open(channel="telegram", external_id="1", lang="en", reason="x", station_code=None)
    assert created and created_again and not created_same
    assert same.id == first.id and same.station is not None and same.station.code == "ZJ-QS"
    assert again.id != first.id and again.station is None


def test_concurrent_requests_open_a_single_handoff(handoffs, sessions):
    def open_one(_):
        return handoffs.open(channel="telegram", external_id="77", lang="zh", reason="request", station_code="ZJ-HX")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(open_one, range(4)))
    assert len({view.id for view, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Handoff)) == 1


def test_queue_shows_only_the_staff_members_station_oldest_first(handoffs, sessions, clock):
    qs = scope(sessions, "qs", "ZJ-QS")
    hx = scope(sessions, "hx", "ZJ-HX")
    default = scope(sessions, "desk", None)
    admin = scope(sessions, "boss", None, role="admin")
    older, _ = handoffs.open(channel="telegram", external_id="1", lang="zh", reason="request", station_code="ZJ-QS")
    clock.moment += timedelta(minutes=5)
    newer, _ = handoffs.open(channel="web", external_id="w2", lang="en", reason="request", station_code="ZJ-QS")
    other, _ = handoffs.open(channel="telegram", external_id="3", lang="zh", reason="request", station_code="ZJ-HX")
    nowhere, _ = handoffs.open(channel="telegram", external_id="4", lang="zh", reason="request", station_code=None)
    handoffs.record_farmer_message(older.id, text="我想问贷款")
    handoffs.record_farmer_message(older.id, text="", media_type="photo", media_ref="file-1")

    queue = handoffs.queue(qs)
    assert [e.handoff.id for e in queue] == [older.id, newer.id]
    assert queue[0].farmer_messages == 2 and queue[0].last_farmer_text == "[photo]"
    assert [e.handoff.id for e in handoffs.queue(hx)] == [other.id]
    assert [e.handoff.id for e in handoffs.queue(default)] == [nowhere.id]
    assert {e.handoff.id for e in handoffs.queue(admin)} == {older.id, newer.id, other.id, nowhere.id}
    assert handoffs.get(hx, older.id) is None and handoffs.messages(hx, older.id) == []
    assert [m.media_ref for m in handoffs.messages(qs, older.id)] == [None, "file-1"]


def test_staff_reply_is_stored_and_queued_only_within_scope(handoffs, sessions):
    qs = scope(sessions, "qs", "ZJ-QS")
    hx = scope(sessions, "hx", "ZJ-HX")
    view, _ = handoffs.open(channel="telegram", external_id="5", lang="zh", reason="request", station_code="ZJ-QS")
    assert not handoffs.staff_reply(hx, view.id, "我是别的站", reply_notice)
    assert handoffs.staff_reply(qs, view.id, "您好，我是青山站", reply_notice)
    with session_scope(sessions) as session:
        texts = list(session.scalars(select(HandoffMessage.text).where(HandoffMessage.direction == "staff")))
        outbox = list(session.scalars(select(OutboxMessage)))
    assert texts == ["您好，我是青山站"]
    assert [(o.channel, o.external_id, o.kind) for o in outbox] == [("telegram", "5", "staff_reply")]
    current = handoffs.get(qs, view.id)
    assert current is not None and current.first_staff_reply_at is not None and current.assigned_staff_id == qs.staff_id


def test_closing_queues_the_rating_request_once_and_rating_is_stored_once(handoffs, sessions):
    qs = scope(sessions, "qs", "ZJ-QS")
    view, _ = handoffs.open(channel="web", external_id="abc", lang="en", reason="request", station_code="ZJ-QS")

    def notice(v):
        return NewMessage(
            channel=v.channel,
            external_id=v.external_id,
            kind="rating_request",
            text="rate",
            lang=v.lang,
            dedupe_key=f"closed:{v.id}",
        )

    assert handoffs.staff_close(scope(sessions, "hx", "ZJ-HX"), view.id, notice) is None
    closed = handoffs.staff_close(qs, view.id, notice)
    assert closed is not None and closed.state == "closed"
    assert handoffs.staff_close(qs, view.id, notice) is None
    assert handoffs.open_for("web", "abc") is None
    assert handoffs.rate("web", "abc", 4) is True
    assert handoffs.rate("web", "abc", 1) is False
    assert handoffs.rate("web", "abc", 9) is False
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        assert session.scalar(select(Handoff.rating)) == 4


def test_only_answered_handoffs_idle_out(handoffs, sessions, clock):
    qs = scope(sessions, "qs", "ZJ-QS")
    waiting, _ = handoffs.open(channel="telegram", external_id="6", lang="zh", reason="request", station_code="ZJ-QS")
    answered, _ = handoffs.open(channel="telegram", external_id="7", lang="zh", reason="request", station_code="ZJ-QS")
    handoffs.staff_reply(qs, answered.id, "在的", reply_notice)
    clock.moment += timedelta(hours=2)
    assert handoffs.idle_since(clock.moment - timedelta(minutes=30)) == [answered.id]
    assert waiting.id not in handoffs.idle_since(clock.moment)


def test_assign_moves_to_another_station_with_a_note_and_checks_the_colleague(handoffs, sessions):
    qs = scope(sessions, "qs", "ZJ-QS")
    hx = scope(sessions, "hx", "ZJ-HX")
    view, _ = handoffs.open(channel="telegram", external_id="8", lang="zh", reason="request", station_code="ZJ-QS")
    assert handoffs.assign(qs, view.id, staff_id=hx.staff_id) is None  # a colleague must work at the target station
    assert handoffs.assign(hx, view.id, station_code="ZJ-HX") is None  # not theirs to move
    moved = handoffs.assign(qs, view.id, station_code="ZJ-HX", staff_id=hx.staff_id, note="农户住在河西")
    assert moved is not None and moved.station is not None and moved.station.code == "ZJ-HX"
    assert moved.assigned_staff_id == hx.staff_id
    assert handoffs.get(qs, view.id) is None
    notes = [m.text for m in handoffs.messages(hx, view.id) if m.direction == "system"]
    assert len(notes) == 1 and "农户住在河西" in notes[0]


def test_default_queue_handoff_is_routed_once_to_a_named_station(handoffs):
    view, _ = handoffs.open(channel="telegram", external_id="9", lang="zh", reason="request", station_code=None)
    assert handoffs.route_to_station(view.id, "ZJ-QS", note="东岭村")
    assert not handoffs.route_to_station(view.id, "ZJ-HX", note="again")
    current = handoffs.open_for("telegram", "9")
    assert current is not None and current.station is not None and current.station.code == "ZJ-QS"
