"""Scale-out on one machine: `python -m bot.supervisor --replicas 2` on PostgreSQL + Redis, one Rasa replica killed.

16 farmers run whole conversations (8 of them a pre-application to the end) through both bot workers in turn;
half-way, Rasa replica 0 gets SIGKILL. Every message is answered (a retry is allowed), every form resumes where
it was, each confirming farmer has exactly one application, and the restarted replica takes its share again.
The figures (time to the first answer after the kill, retries) are printed, never asserted.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest

from bot.rasa_client import replica_order
from tests.integration.conftest import ACTION_SECRET, API_HEADERS, API_KEY, HOME, RASA_TOKEN, ROOT, rasa_model
from tests.integration.preapplication_stack import sync_sample_stations

pytestmark = pytest.mark.integration

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"
FORM_FARMERS, QUESTION_FARMERS = 8, 8


def _reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_run(count: int) -> int:
    """A port p such that p … p+count-1 are all free."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = int(sock.getsockname()[1])
        if base + count < 65000 and all(not _reachable(base + i) for i in range(count)):
            return base
    raise RuntimeError("no run of free ports")


def resident_id(serial: int) -> str:
    """A valid 18-digit resident ID (ISO 7064 MOD 11-2 check digit) born 1974-03-15 in region 440882."""
    body = f"44088219740315{serial:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


@dataclass
class Topology:
    """The running two-replica stack and what the test needs to reach it."""

    webs: list[str]
    rasa_urls: list[str]
    app_url: str
    supervisor: subprocess.Popen[bytes]
    logs: Path
    retries: int = 0
    answered: int = 0
    killed_at: float | None = None
    first_answer_after_kill: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rasa_pid(self, index: int) -> int | None:
        port = self.rasa_urls[index].rsplit(":", 1)[1]
        for child in psutil.Process(self.supervisor.pid).children():
            try:
                line = child.cmdline()
            except psutil.NoSuchProcess:
                continue
            if "rasa_ext.serve" in line and port in line:
                return child.pid
        return None

    def rasa_turns(self, index: int) -> int:
        response = httpx.get(
            f"{self.rasa_urls[index]}/webhooks/nonghui/timings", headers={"X-Nonghui-Token": RASA_TOKEN}, timeout=10
        )
        return int(response.json()["turns"])

    def rasa_up(self, index: int) -> bool:
        try:
            status = httpx.get(f"{self.rasa_urls[index]}/status", params={"token": RASA_TOKEN}, timeout=5)
            return status.is_success and bool(status.json().get("model_file"))
        except httpx.HTTPError:
            return False


def _create_database(name: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    if not (_reachable(5432) and _reachable(6379)):
        pytest.skip("needs PostgreSQL and Redis on 127.0.0.1")
    rasa_model()
    tag = uuid.uuid4().hex[:8]
    app_db, tracker_db = f"nhcap_app_{tag}", f"nhcap_trk_{tag}"
    _create_database(app_db)
    _create_database(tracker_db)
    app_url = f"{PG}/{app_db}"
    sync_sample_stations(app_url)  # migrated once here, so two workers never race on the migration
    web, rasa, action = _free_run(2), _free_run(2), _free_run(2)
    logs = tmp_path_factory.mktemp("scale-out")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NONGHUI_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        NONGHUI_HOME=str(HOME),
        RASA_TELEMETRY_ENABLED="false",
        NONGHUI_DATABASE_URL=app_url,
        NONGHUI_RASA_TRACKER_URL=f"{PG}/{tracker_db}",
        NONGHUI_REDIS_URL=REDIS,
        NONGHUI_REDIS_PREFIX=f"nhcap-{tag}:",
        NONGHUI_WEB_PORT=str(web),
        NONGHUI_RASA_URL=f"http://127.0.0.1:{rasa}",
        NONGHUI_ACTION_PORT=str(action),
        NONGHUI_RASA_TOKEN=RASA_TOKEN,
        NONGHUI_ACTION_SECRET=ACTION_SECRET,
        NONGHUI_API_KEY=API_KEY,
        NONGHUI_ENV="development",  # named explicitly: the replicas share database servers
    )
    out = (logs / "supervisor.out").open("wb")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "bot.supervisor", "--replicas", "2"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    topo = Topology(
        webs=[f"http://127.0.0.1:{web + i}" for i in range(2)],
        rasa_urls=[f"http://127.0.0.1:{rasa + i}" for i in range(2)],
        app_url=app_url,
        supervisor=supervisor,
        logs=logs,
    )
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if supervisor.poll() is not None:
                pytest.fail((logs / "supervisor.out").read_text(errors="replace")[-3000:])
            if "Ready after" in (logs / "supervisor.out").read_text(errors="replace"):
                break
            time.sleep(1)
        else:
            pytest.fail("the two-replica stack did not come up within 600 s")
        yield topo
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
        _drop_database(app_db)
        _drop_database(tracker_db)


class Farmer:
    """One web chat whose turns alternate between the two bot workers; a turn that does not move on is resent."""

    def __init__(self, topo: Topology, sender: str) -> None:
        self.topo, self.sender = topo, sender
        self.replies: list[dict] = []  # type: ignore[type-arg]
        self.turn = 0

    def say(self, text: str, expect: str | tuple[str, ...] | None = None, attempts: int = 4) -> str:
        """Send `text` until a reply holds `expect` (any of them), as a farmer re-sends when only an outage
        apology came ("the form is kept, please send it again")."""
        wanted = (expect,) if isinstance(expect, str) else expect
        for attempt in range(attempts):
            web = self.topo.webs[self.turn % 2]
            self.turn += 1
            try:
                response = httpx.post(
                    f"{web}/api/chat", json={"sender_id": self.sender, "text": text}, headers=API_HEADERS, timeout=120
                )
                body = response.json() if response.is_success else {"replies": []}
            except httpx.HTTPError:
                body = {"replies": []}
            self.replies = body.get("replies") or []
            said = "\n".join(r["text"] for r in self.replies)
            if said.strip() and (wanted is None or any(each in said for each in wanted)):
                with self.topo.lock:
                    self.topo.answered += 1
                    if self.topo.killed_at is not None and self.topo.first_answer_after_kill is None:
                        self.topo.first_answer_after_kill = time.monotonic() - self.topo.killed_at
                return said
            with self.topo.lock:
                self.topo.retries += 1
            time.sleep(1 + attempt)
        raise AssertionError(f"{self.sender}: no answer with {expect!r} to {text!r}; last: {self.replies}")

    def payload(self, title: str) -> str:
        return next(b["payload"] for r in self.replies for b in r["buttons"] if title in b["title"])


def _form(farmer: Farmer, number: int, halfway: threading.Barrier) -> str:
    farmer.say("我想申请贷款", "第 1 步")
    farmer.say(f"王{'一二三四五六七八'[number]}", "第 2 步")
    farmer.say(f"1381234{5600 + number}", "第 3 步")
    halfway.wait(timeout=600)
    # Sent just as a Rasa replica dies: the bot may answer with its outage note (form kept), then the farmer re-sends.
    village = farmer.say(resident_id(100 + number), ("第 4 步", "第 5 步", "您说的是不是"))
    if "您说的是不是" in village or "第 5 步" not in village:
        farmer.say("东岭村", "第 5 步")
    farmer.say("脱贫户", "第 6 步")
    farmer.say("放牛的", "想借多少钱")
    farmer.say("3w", "想借多久")
    farmer.say("两年", "第 9 步")
    farmer.say("没有", "您同意吗")
    farmer.say("同意", "确认")
    return farmer.say(farmer.payload("确认提交"), "ZJ-2026-")


def _questions(farmer: Farmer, halfway: threading.Barrier) -> None:
    for text in ("你好", "脱贫户贷款最多能贷多少钱？", "农业保险怎么买？"):
        farmer.say(text)
    halfway.wait(timeout=600)
    for text in ("有人让我先交保证金才放款，是骗子吗？", "How can I apply for a small loan?", "谢谢"):
        farmer.say(text)


def test_sixteen_farmers_survive_a_killed_rasa_replica(topology: Topology) -> None:
    halfway = threading.Barrier(FORM_FARMERS + QUESTION_FARMERS + 1)
    references: dict[str, str] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            farmer = Farmer(topology, f"scale-{uuid.uuid4().hex[:6]}-{index}")
            if index < FORM_FARMERS:
                references[farmer.sender] = _form(farmer, index, halfway)
            else:
                _questions(farmer, halfway)
        except BaseException as exc:  # reported below with the others
            errors.append(exc)
            halfway.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(FORM_FARMERS + QUESTION_FARMERS)]
    for thread in threads:
        thread.start()
    halfway.wait(timeout=900)
    victim = topology.rasa_pid(0)
    assert victim is not None
    os.kill(victim, signal.SIGKILL)
    killed_at = topology.killed_at = time.monotonic()
    for thread in threads:
        thread.join(timeout=1200)
    assert not errors, errors

    # Every confirming farmer: one reference, one stored application, never two.
    import sqlalchemy

    engine = sqlalchemy.create_engine(topology.app_url)
    with engine.connect() as conn:
        stored = [row[0] for row in conn.execute(sqlalchemy.text("select reference from pre_applications"))]
    engine.dispose()
    assert len(references) == FORM_FARMERS
    assert sorted(stored) == sorted({r for r in stored})
    assert len(stored) == FORM_FARMERS
    assert all(any(ref in text for ref in stored) for text in references.values())

    # The replica comes back (the supervisor restarts it) and takes the conversations that hash to it again.
    deadline = time.monotonic() + 600
    while not topology.rasa_up(0) and time.monotonic() < deadline:
        time.sleep(2)
    back_after = time.monotonic() - killed_at
    assert topology.rasa_up(0)
    before = topology.rasa_turns(0)
    senders = (f"back-{n}" for n in range(200))
    mine = [s for s in senders if replica_order(f"web:{s}", topology.rasa_urls)[0] == topology.rasa_urls[0]]
    # The bots notice the replica is back on their next health probe (≤ 0.5 s; longer on a loaded host): its
    # conversations go back to it within a short while, not necessarily with the very first turn.
    rejoined = time.monotonic() + 60
    for sender in itertools.cycle(mine[:4]):
        Farmer(topology, sender).say("你好")
        if topology.rasa_turns(0) >= before + 4 or time.monotonic() > rejoined:
            break
    assert topology.rasa_turns(0) >= before + 4
    print(
        f"\nscale-out: {topology.answered} answers, {topology.retries} resent turns, "
        f"{len(stored)} applications for {FORM_FARMERS} confirming farmers, first answer "
        f"{topology.first_answer_after_kill or 0:.2f} s after the kill, replica 0 back after {back_after:.0f} s"
    )
