"""Authorisation of the staff console: login, CSRF, lock-out, and station A never reaching station B's data."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from store.db import session_scope
from store.models import AuditEntry, Handoff, HandoffMessage, OutboxMessage, PreApplication
from tests.bot.fakes import API_HEADERS
from tests.bot.staff.conftest import PASSWORD, application_form, csrf_of, login
from tests.factories import RESIDENT_ID


def open_handoff(services, external_id: str, station: str | None, lang: str = "zh"):
    view, _ = services.handoffs.open(
        channel="telegram", external_id=external_id, lang=lang, reason="request", station_code=station
    )
    services.handoffs.record_farmer_message(view.id, text="请帮帮我")
    return view


def test_unauthenticated_requests_are_refused_everywhere(client, services, accounts):
    view = open_handoff(services, "1", "ZJ-QS")
    ref = services.applications.submit_application(application_form("1", "ZJ-QS")).application.reference
    for path in (
        "/staff/",
        f"/staff/handoffs/{view.id}",
        "/staff/applications",
        f"/staff/applications/{ref}",
        "/staff/admin/users",
        "/staff/admin/audit",
        "/staff/admin/stations",
    ):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/staff/login", path
    assert client.get("/staff/api/queue").status_code == 401
    assert client.get(f"/staff/api/handoffs/{view.id}/messages").status_code == 401
    for path, data in (
        (f"/staff/handoffs/{view.id}/reply", {"text": "hi"}),
        (f"/staff/handoffs/{view.id}/close", {}),
        (f"/staff/applications/{ref}/status", {"status": "contacted"}),
        (f"/staff/applications/{ref}/reveal", {}),
    ):
        assert client.post(path, data=data).status_code == 303, path
    assert services.handoffs.open_for("telegram", "1") is not None
    with session_scope(services.handoffs._sessions) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_station_a_cannot_read_or_change_station_b(client, services, accounts):
    theirs = open_handoff(services, "2", "ZJ-HX")
    ours = open_handoff(services, "3", "ZJ-QS")
    their_ref = services.applications.submit_application(application_form("2", "ZJ-HX")).application.reference
    assert login(client, "qs").status_code == 303
    csrf = csrf_of(client)

    queue = client.get("/staff/api/queue").json()
    assert [h["id"] for h in queue["handoffs"]] == [ours.id]
    assert f"/staff/handoffs/{theirs.id}" not in client.get("/staff/").text
    assert client.get(f"/staff/handoffs/{theirs.id}").status_code == 404
    assert client.get(f"/staff/api/handoffs/{theirs.id}/messages").status_code == 404
    assert client.post(f"/staff/handoffs/{theirs.id}/reply", data={"text": "x", "csrf_token": csrf}).status_code == 404
    assert client.post(f"/staff/handoffs/{theirs.id}/close", data={"csrf_token": csrf}).status_code == 404
    assign = client.post(
        f"/staff/handoffs/{theirs.id}/assign", data={"station_code": "ZJ-QS", "note": "mine", "csrf_token": csrf}
    )
    assert assign.status_code == 404
    assert their_ref not in client.get("/staff/applications").text
    assert client.get(f"/staff/applications/{their_ref}").status_code == 404
    assert client.post(f"/staff/applications/{their_ref}/reveal", data={"csrf_token": csrf}).status_code == 404
    status = client.post(f"/staff/applications/{their_ref}/status", data={"status": "contacted", "csrf_token": csrf})
    assert status.status_code == 404
    for path in ("/staff/admin/users", "/staff/admin/audit", "/staff/admin/stations"):
        assert client.get(path).status_code == 403
    assert (
        client.post(
            "/staff/admin/users", data={"username": "x", "display_name": "x", "password": PASSWORD, "csrf_token": csrf}
        ).status_code
        == 403
    )

    with session_scope(services.handoffs._sessions) as session:
        handoff = session.get(Handoff, theirs.id)
        assert handoff.state == "open" and handoff.station_id is not None
        assert session.scalar(select(func.count()).where(HandoffMessage.direction != "farmer")) == 0
        assert session.scalar(select(PreApplication.status).where(PreApplication.reference == their_ref)) == "received"
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert "reveal_personal_data" not in set(session.scalars(select(AuditEntry.action)))


def test_every_post_needs_the_sessions_csrf_token(client, services, accounts):
    view = open_handoff(services, "4", "ZJ-QS")
    login(client, "qs")
    assert client.post(f"/staff/handoffs/{view.id}/reply", data={"text": "hi"}).status_code == 403
    assert (
        client.post(f"/staff/handoffs/{view.id}/reply", data={"text": "hi", "csrf_token": "forged"}).status_code == 403
    )
    assert client.post(f"/staff/handoffs/{view.id}/close", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/staff/logout", data={}).status_code == 403
    assert services.handoffs.open_for("telegram", "4") is not None
    ok = client.post(f"/staff/handoffs/{view.id}/reply", data={"text": "您好", "csrf_token": csrf_of(client)})
    assert ok.status_code == 303


def test_login_form_needs_its_token_and_failures_back_off_without_locking_the_account(client, services, accounts):
    client.get("/staff/login")
    forged = client.post("/staff/login", data={"username": "qs", "password": PASSWORD, "csrf_token": "nope"})
    assert forged.status_code == 403 and "nh_staff" not in forged.cookies
    failures = [login(client, "qs", "wrong password").status_code for _ in range(5)]
    throttled = login(client, "qs", "wrong password")
    assert failures == [401] * 5
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert "请稍等" in throttled.text
    assert login(client, "qs2").status_code == 303  # a colleague is not affected
    with session_scope(services.staff._sessions) as session:
        assert (
            session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "account_locked"))
            == 0
        )


def test_login_answers_unknown_wrong_and_disabled_alike(client, services, accounts):
    services.staff.set_active(accounts["qs2"], False)
    answers = [
        login(client, "nobody-here", "wrong password"),
        login(client, "qs", "wrong password"),
        login(client, "qs2"),
    ]

    assert {a.status_code for a in answers} == {401}
    errors = {re.search(r'class="error"[^>]*>([^<]+)<', a.text).group(1) for a in answers}
    assert len(errors) == 1


def test_unknown_login_names_are_throttled_like_real_ones(client, services, accounts):
    statuses = [login(client, "ghost", "x-password").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


async def test_concurrent_password_hashes_are_capped():
    import asyncio
    import threading

    from bot.staff.login_guard import HashGate

    gate = HashGate(2, wait_seconds=0.2)
    release = threading.Event()
    running: list[int] = []

    def slow() -> int:
        running.append(1)
        release.wait(5)
        return 1

    first = asyncio.ensure_future(gate.run(slow))
    second = asyncio.ensure_future(gate.run(slow))
    await asyncio.sleep(0.05)
    third = await gate.run(slow)  # no slot frees up in time
    release.set()
    assert third is None
    assert await first == 1 and await second == 1 and len(running) == 2


def test_logout_ends_the_session(client, services, accounts):
    login(client, "qs")
    assert client.get("/staff/").status_code == 200
    cookie = client.cookies.get("nh_staff")
    client.post("/staff/logout", data={"csrf_token": csrf_of(client)})
    client.cookies.set("nh_staff", cookie)
    assert client.get("/staff/").status_code == 303


def test_revealing_the_id_is_audit_logged_and_status_change_notifies_the_farmer(client, services, accounts):
    ref = services.applications.submit_application(application_form("5", "ZJ-QS", lang="en")).application.reference
    login(client, "qs")
    page = client.get(f"/staff/applications/{ref}")
    assert page.status_code == 200 and RESIDENT_ID not in page.text and "4408**********1236" in page.text
    revealed = client.post(f"/staff/applications/{ref}/reveal", data={"csrf_token": csrf_of(client)})
    assert RESIDENT_ID in revealed.text and "13812345678" in revealed.text
    changed = client.post(
        f"/staff/applications/{ref}/status",
        data={
            "status": "contacted",
            "note": "Called, bring your ID card",
            "tell_farmer": "1",
            "csrf_token": csrf_of(client),
        },
    )
    assert changed.status_code == 303
    again = client.post(
        f"/staff/applications/{ref}/status", data={"status": "contacted", "csrf_token": csrf_of(client)}
    )
    assert again.headers["location"].endswith("saved=failed")  # contacted → contacted is not a valid change
    view = services.applications.get_application(ref)
    assert view.status.value == "contacted" and view.history[-1].actor == "staff:qs"
    with session_scope(services.handoffs._sessions) as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        notices = list(session.scalars(select(OutboxMessage)))
    assert "reveal_personal_data" in actions and "application_status" in actions
    assert [(n.channel, n.external_id, n.kind) for n in notices] == [("telegram", "5", "status_change")]
    assert notices[0].text.startswith(f"News on your loan pre-application {ref}: the service station has contacted")
    assert "Called, bring your ID card" in notices[0].text


def test_admin_creates_accounts_and_sees_the_audit_log(client, services, accounts):
    login(client, "admin")
    created = client.post(
        "/staff/admin/users",
        data={
            "username": "new1",
            "display_name": "新同事",
            "password": PASSWORD,
            "role": "staff",
            "station_code": "ZJ-HG",
            "csrf_token": csrf_of(client, "/staff/admin/users"),
        },
    )
    assert created.headers["location"].endswith("saved=1")
    assert login(client, "new1").status_code == 303
    login(client, "admin")
    audit = client.get("/staff/admin/audit").text
    assert "staff_create" in audit and "new1" in audit


def test_web_chat_polls_staff_messages_for_its_own_sender_only(client, services):
    services.outbox.enqueue(
        __import__("store.outbox", fromlist=["NewMessage"]).NewMessage(
            channel="web", external_id="chat-1", kind="staff_reply", text="【工作人员】您好", lang="zh"
        )
    )
    first = client.get("/api/messages", params={"sender_id": "chat-1"}, headers=API_HEADERS).json()
    assert [m["text"] for m in first["messages"]] == ["【工作人员】您好"]
    assert (
        client.get(
            "/api/messages", params={"sender_id": "chat-1", "after": first["last_id"]}, headers=API_HEADERS
        ).json()["messages"]
        == []
    )
    assert client.get("/api/messages", params={"sender_id": "chat-2"}, headers=API_HEADERS).json()["messages"] == []
    assert client.get("/api/messages", params={"sender_id": "bad id!"}, headers=API_HEADERS).status_code == 422


def test_application_view_is_logged_only_after_the_scope_check_let_it_through(client, services, accounts):
    theirs = services.applications.submit_application(application_form("61", "ZJ-HX")).application.reference
    mine = services.applications.submit_application(application_form("62", "ZJ-QS")).application.reference
    login(client, "qs")

    assert client.get(f"/staff/applications/{theirs}").status_code == 404
    assert client.get(f"/staff/applications/{mine}").status_code == 200

    with session_scope(services.staff._sessions) as session:
        viewed = list(session.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "application_view")))
    assert viewed == [mine]


def test_audit_page_is_paged_and_filtered(client, services, accounts):
    from store.staff import StaffScope

    scope = StaffScope(
        staff_id=accounts["qs"],
        username="qs",
        display_name="青山小王",
        role="staff",
        station_id=None,
        station_code=None,
        lang="zh",
    )
    for n in range(60):
        services.staff.audit(scope, "application_view", target_type="application", target_id=f"ZJ-{n:04d}")
    services.staff.audit(scope, "reveal_personal_data", target_type="application", target_id="ZJ-9999")
    login(client, "admin")

    first = client.get("/staff/admin/audit").text
    second = client.get("/staff/admin/audit", params={"page": 2}).text
    only_reveals = client.get("/staff/admin/audit", params={"action": "reveal_personal_data"}).text
    by_user = client.get("/staff/admin/audit", params={"user": "adm"}).text

    assert first.count("<tr><td>") == 50 and 'id="audit-next"' in first
    assert "ZJ-9999" in first and "ZJ-0000" not in first  # newest first
    assert "ZJ-0000" in second and 'id="audit-previous"' in second
    assert only_reveals.count("<tr><td>") == 1 and "ZJ-9999" in only_reveals
    assert "ZJ-0001" not in by_user and "login" in by_user
