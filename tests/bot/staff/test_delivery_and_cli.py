"""Outbox delivery (retries, nothing lost), the idle closer, and the account CLI."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from bot.handoff.delivery import IdleCloser, OutboxDelivery
from bot.staff.__main__ import main as staff_cli
from store.db import session_scope
from store.handoffs import SqlHandoffs
from store.models import OutboxMessage
from store.outbox import NewMessage
from tests.bot.staff.conftest import NOW
from tests.clock import Clock


class FlakySender:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    async def send(self, item) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("network down")
        self.sent.append(item.text)


async def test_a_failed_send_is_retried_later_and_delivered_once(services):
    services.outbox.enqueue(NewMessage(channel="telegram", external_id="1", kind="staff_reply", text="您好", lang="zh"))
    sender = FlakySender(failures=1)
    delivery = OutboxDelivery(services.outbox, {"telegram": sender})
    assert await delivery.deliver_once() == 0
    with session_scope(services.handoffs._sessions) as session:
        row = session.scalar(select(OutboxMessage))
        row.next_attempt_at = None  # the back-off has passed
    assert await delivery.deliver_once() == 1
    assert await delivery.deliver_once() == 0
    assert sender.sent == ["您好"]


def test_idle_closer_closes_answered_handoffs_and_asks_for_a_rating(sessions, services, accounts):
    clock = Clock(NOW)
    handoffs = SqlHandoffs(sessions, clock=clock)
    answered, _ = handoffs.open(channel="web", external_id="w", lang="en", reason="request", station_code="ZJ-QS")
    handoffs.open(channel="telegram", external_id="t", lang="zh", reason="request", station_code="ZJ-QS")
    scope = services.staff.session(services.staff.login("qs", "a long staff password").token)[0]
    handoffs.staff_reply(
        scope, answered.id, "hello", lambda v: NewMessage(channel="web", external_id="w", kind="x", text="h", lang="en")
    )
    clock.moment += timedelta(minutes=31)
    closer = IdleCloser(handoffs, timedelta(minutes=30), clock=clock)
    assert closer.close_idle() == 1
    assert handoffs.open_for("web", "w") is None and handoffs.open_for("telegram", "t") is not None
    rating = [m for m in services.outbox.for_conversation("web", "w") if m.kind == "rating_request"]
    assert len(rating) == 1 and rating[0].text.startswith("No new messages for a while")
    assert [b.payload for b in rating[0].buttons][-1] == '/handoff_rating{"rating":5}'


def test_cli_creates_accounts_and_refuses_weak_passwords(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long staff password\n"))
    assert (
        staff_cli(["--database-url", url, "create-user", "Admin1", "--name", "管理员", "--admin", "--password-stdin"])
        == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert staff_cli(["--database-url", url, "create-user", "li", "--name", "李", "--password-stdin"]) == 2
    assert staff_cli(["--database-url", url, "list-users"]) == 0
    out = capsys.readouterr()
    assert "created admin admin1" in out.out and "admin1\tadmin" in out.out and "li\t" not in out.out
    assert "at least 10 characters" in out.err


def test_cli_account_changes_are_audit_logged_with_the_operator(tmp_path, monkeypatch):
    from sqlalchemy import select

    from store.db import make_engine, session_factory, session_scope
    from store.models import AuditEntry

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr("getpass.getuser", lambda: "operator7")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long staff password\n"))
    staff_cli(["--database-url", url, "create-user", "wang", "--name", "王", "--password-stdin"])
    for command in ("disable", "enable", "unlock"):
        staff_cli(["--database-url", url, command, "wang"])

    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        logged = [(e.username, e.action) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    engine.dispose()
    assert logged == [
        ("cli:operator7", "staff_create"),
        ("cli:operator7", "staff_disable"),
        ("cli:operator7", "staff_enable"),
        ("cli:operator7", "staff_unlock"),
    ]
