"""`python -m bot.kill_trial --trials N`: kill -9 trials of the pre-application against a locally started stack.

A benchmark, not a test. Starts Rasa, the action server and the bot under the real supervisor (own ports, own
databases under a scratch home that links the venvs, models and index of $NONGHUI_HOME). In each trial a new
farmer fills the form through `POST /api/chat` as a farmer does: types answers, taps the offered buttons, waits
up to 10 s and sends again when nothing (or only an apology) comes. At a random point, biased towards the
moment "确认提交" is in flight, one of Rasa, the action server or the bot gets SIGKILL. At the end the farmer's
stored applications are counted. Prints a table per process and kill point: lost, duplicated, restarted,
kill → next proper answer and the longest answer time in between.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.settings import BotSettings
from bot.supervisor import Supervisor, plan, rasa_status_url
from bot.texts import text

PROCESSES = ("rasa", "actions", "bot")
CONFIRM_STEP = 11
LINKED = ("py311", "rasa310", "models", "index", "rasa-models", "secrets")
FARMER_PATIENCE_SECONDS = 10.0
RETRY_PAUSE_SECONDS = 1.0
TRIAL_DEADLINE_SECONDS = 240.0
TYPED = {1: "黄桂兰", 2: "13812345678", 3: "440882197403151236", 4: "河西镇新塘村", 5: "监测户", 6: "种果树", 7: "2万",
         8: "一年", 9: "没有", 10: "我同意", 11: "确认提交"}  # fmt: skip
TAPPED = {5: "monitored", 9: "no", 10: "yes", 11: "yes"}
_STEP_TEXT = re.compile(r"第 ?(\d+) ?步")
_REFERENCE = re.compile(r"ZJ-\d{4}-\d{6}")
_NOT_PROPER = tuple(
    text(key, lang)[:12]
    for key in ("unavailable", "partly_unavailable_note", "message_in_progress")
    for lang in ("zh",)
)


@dataclass
class Sent:
    """One message the farmer sent and what came back."""

    at: float
    seconds: float
    outcome: str  # proper | fallback | silent | refused


@dataclass
class Trial:
    """One farmer, one kill."""

    number: int
    process: str
    kill_step: int
    kill_delay: float
    killed_at: float | None = None
    sent: list[Sent] = field(default_factory=list)
    confirmed: bool = False
    reference_seen: bool = False
    applications: int = 0
    restarted: bool = False
    finished: bool = False

    @property
    def point(self) -> str:
        """Where the kill fell: while the confirmation was in flight, or during another step."""
        return "confirm in flight" if self.kill_step == CONFIRM_STEP else "form step 1-10"

    def after_kill(self) -> list[Sent]:
        """The messages sent from the kill until the first proper answer (inclusive)."""
        if self.killed_at is None:
            return []
        out: list[Sent] = []
        for sent in self.sent:
            if sent.at + sent.seconds < self.killed_at:
                continue
            out.append(sent)
            if sent.outcome == "proper" and sent.at >= self.killed_at:
                break
        return out

    def recovery_seconds(self) -> float | None:
        """Kill → the next proper answer."""
        if self.killed_at is None:
            return None
        for sent in self.sent:
            if sent.outcome == "proper" and sent.at >= self.killed_at:
                return sent.at + sent.seconds - self.killed_at
        return None


class Stack:
    """The supervised stack on free ports in a scratch home."""

    def __init__(self, source_home: Path, work: Path) -> None:
        self.home = work
        for name in LINKED:
            if (source_home / name).exists():
                (work / name).symlink_to(source_home / name)
        self.web_port, self.rasa_port, self.action_port = _free_port(), _free_port(), _free_port()
        # The farmers speak for themselves (`sender_id`), as a trusted integration does: with the API key.
        self.api_key = secrets.token_urlsafe(32)
        os.environ.update(
            NONGHUI_API_KEY=self.api_key,
            NONGHUI_HOME=str(work),
            NONGHUI_WEB_PORT=str(self.web_port),
            NONGHUI_RASA_URL=f"http://127.0.0.1:{self.rasa_port}",
            NONGHUI_ACTION_PORT=str(self.action_port),
        )
        for name in ("TELEGRAM_BOT_TOKEN", "NONGHUI_DATABASE_URL", "NONGHUI_RASA_TRACKER_URL"):
            os.environ.pop(name, None)
        _prepare_database(f"sqlite:///{work / 'nonghui.db'}")
        settings = BotSettings()
        self.rasa_token = settings.resolved_rasa_token()  # Rasa's status endpoint needs it like its other routes
        specs = plan(settings)
        if specs is None:
            raise SystemExit("No trained Rasa model: run scripts/setup.sh first.")
        self.supervisor = Supervisor(specs, work, logs=work / "logs")
        self._thread = threading.Thread(target=self.supervisor.run, name="supervisor", daemon=True)

    @property
    def web(self) -> str:
        """The bot's web address."""
        return f"http://127.0.0.1:{self.web_port}"

    def start(self) -> None:
        """Start the supervisor and wait until all three answer."""
        self._thread.start()
        self.wait_healthy(timeout=600)

    def healthy(self) -> bool:
        """All three processes up and answering."""
        checks = [
            (f"{self.web}/readyz", None),
            (f"http://127.0.0.1:{self.action_port}/health", None),
            (rasa_status_url(self.rasa_port, self.rasa_token), "model_file"),
        ]
        try:
            for url, key in checks:
                response = httpx.get(url, timeout=2)
                if not response.is_success or (key and not response.json().get(key)):
                    return False
        except (httpx.HTTPError, ValueError):
            return False
        return all(pid is not None for pid in self.supervisor.pids().values())

    def wait_healthy(self, timeout: float) -> float:
        """Wait until healthy; the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.healthy():
                return time.monotonic() - started
            time.sleep(0.5)
        raise SystemExit(f"stack not healthy after {timeout:.0f} s; see {self.home / 'logs'}")

    def kill(self, process: str) -> float | None:
        """SIGKILL one child; the monotonic time of the kill (None when it was not running)."""
        pid = self.supervisor.pids().get(process)
        if pid is None:
            return None
        os.kill(pid, signal.SIGKILL)
        return time.monotonic()

    def applications(self, sender: str) -> int:
        """How many pre-applications the web farmer `sender` has."""
        with sqlite3.connect(self.home / "nonghui.db") as conn:
            row = conn.execute(
                "select count(*) from pre_applications p join farmers f on f.id = p.farmer_id "
                "where f.channel = 'web' and f.external_id = ?",
                (sender,),
            ).fetchone()
        return int(row[0])

    def stop(self) -> None:
        """Stop every child cleanly."""
        self.supervisor.stop()
        self._thread.join(timeout=60)


class Farmer:
    """Fills the form as a farmer does, one message at a time."""

    def __init__(self, stack: Stack, trial: Trial, rng: random.Random) -> None:
        self.stack = stack
        self.trial = trial
        self.rng = rng
        self.sender = f"trial-{trial.number}-{uuid.uuid4().hex[:6]}"
        self.step = 0
        self.buttons: list[str] = []
        self._timer: threading.Timer | None = None
        self.http = httpx.Client(timeout=FARMER_PATIENCE_SECONDS, headers={"Authorization": f"Bearer {stack.api_key}"})

    def run(self) -> None:
        """Start the form and answer each question until a reference comes or the deadline passes; a kill still
        pending then is called off (it would land in the next trial), one under way is waited for."""
        try:
            self._fill()
        finally:
            if self._timer is not None:
                self._timer.cancel()
                self._timer.join()

    def _fill(self) -> None:
        deadline = time.monotonic() + TRIAL_DEADLINE_SECONDS
        message = "我要申请贷款"
        kill_armed = True
        while time.monotonic() < deadline:
            if kill_armed and self.step == self.trial.kill_step:
                kill_armed = False
                self._timer = threading.Timer(self.trial.kill_delay, self._kill)
                self._timer.start()
            if self.step == CONFIRM_STEP:
                self.trial.confirmed = True
            proper, replies = self.send(message)
            if proper and any(_REFERENCE.search(str(r.get("text") or "")) for r in replies):
                self.trial.reference_seen = True
                self.trial.finished = True
                return
            if proper:
                self.read(replies)
                message = self.answer()
            else:
                time.sleep(RETRY_PAUSE_SECONDS)  # nothing useful came: wait, then send (tap) the same again

    def _kill(self) -> None:
        self.trial.killed_at = self.stack.kill(self.trial.process)

    def send(self, message: str) -> tuple[bool, list[dict[str, object]]]:
        """Send one message; whether a proper answer came, and the replies."""
        started = time.monotonic()
        body = {"sender_id": self.sender, "text": message, "message_id": uuid.uuid4().hex}
        try:
            response = self.http.post(f"{self.stack.web}/api/chat", json=body)
            replies = response.json().get("replies") if response.is_success else None
        except (httpx.HTTPError, ValueError):
            replies = None
        seconds = time.monotonic() - started
        if replies is None:
            outcome = "refused"
        elif not any(str(r.get("text") or "").strip() for r in replies):
            outcome = "silent"
        elif any(str(r.get("text") or "").startswith(_NOT_PROPER) for r in replies):
            outcome = "fallback"
        else:
            outcome = "proper"
        self.trial.sent.append(Sent(at=started, seconds=seconds, outcome=outcome))
        return outcome == "proper", list(replies or [])

    def read(self, replies: list[dict[str, object]]) -> None:
        """The step now asked (from the buttons' step, else "第 N 步"), and the buttons offered."""
        buttons = [
            str(b["payload"])
            for r in replies
            for b in _list(r.get("buttons"))
            if isinstance(b, dict) and "payload" in b
        ]
        steps = [json.loads(p[p.index("{") :]).get("step") for p in buttons if '"step"' in p]
        said = "\n".join(str(r.get("text") or "") for r in replies)
        numbered = [int(n) for n in _STEP_TEXT.findall(said)]
        if steps and steps[-1]:
            self.step = int(steps[-1])
        elif numbered:
            self.step = numbered[-1]
        self.buttons = buttons

    def answer(self) -> str:
        """The tapped button where the question has the farmer's choice, else the typed answer."""
        wanted = TAPPED.get(self.step)
        for payload in self.buttons:
            if wanted and f'"choice":"{wanted}"' in payload and f'"step":{self.step}' in payload:
                return payload
        return TYPED.get(self.step, "我要申请贷款")


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _prepare_database(url: str) -> None:
    """Migrate the scratch database and load the sample station registry (as setup does)."""
    from loans.stations import load_stations
    from store.db import make_engine, migrate, session_factory, session_scope
    from store.stations import sync_stations

    engine = make_engine(url)
    try:
        migrate(engine)
        with session_scope(session_factory(engine)) as session:
            sync_stations(session, load_stations())
    finally:
        engine.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_trials(stack: Stack, count: int, seed: int, budget_seconds: float) -> list[Trial]:
    """Run up to `count` trials (round-robin over the processes) within `budget_seconds`."""
    rng = random.Random(seed)
    trials: list[Trial] = []
    started = time.monotonic()
    for number in range(1, count + 1):
        if time.monotonic() - started > budget_seconds:
            break
        process = PROCESSES[(number - 1) % len(PROCESSES)]
        confirm = rng.random() < 0.6
        step = CONFIRM_STEP if confirm else rng.randint(1, CONFIRM_STEP - 1)
        delay = rng.uniform(0.0, 0.35) if confirm else rng.uniform(0.0, 0.6)
        trial = Trial(number=number, process=process, kill_step=step, kill_delay=delay)
        before = stack.supervisor.restarts()[process]
        farmer = Farmer(stack, trial, rng)
        farmer.run()
        stack.wait_healthy(timeout=600)
        trial.restarted = trial.killed_at is None or stack.supervisor.restarts()[process] > before
        trial.applications = stack.applications(farmer.sender)
        trials.append(trial)
        print(_trial_line(trial), flush=True)
    return trials


def _trial_line(trial: Trial) -> str:
    recovery = trial.recovery_seconds()
    slowest = max((s.seconds for s in trial.after_kill() if s.outcome != "refused"), default=0.0)
    return (
        f"trial {trial.number:3d} {trial.process:7s} step {trial.kill_step:2d}+{trial.kill_delay:.2f}s "
        f"killed={'yes' if trial.killed_at else 'no '} apps={trial.applications} ref={trial.reference_seen} "
        f"recovery={recovery if recovery is None else round(recovery, 1)} s max-answer={slowest:.1f} s "
        f"refused={sum(s.outcome == 'refused' for s in trial.after_kill())}"
    )


def table(trials: list[Trial]) -> str:
    """The Markdown table per process and kill point."""
    groups: dict[tuple[str, str], list[Trial]] = defaultdict(list)
    for trial in trials:
        groups[(trial.process, trial.point)].append(trial)
    lines = [
        "| process | kill point | trials | killed | lost | duplicated | restarted | unfinished | kill → next proper "
        "answer (median / max) | max answer time in between | answers > 3 s | refused (bot down) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (process, point), group in sorted(groups.items()):
        killed = [t for t in group if t.killed_at is not None]
        recoveries = [r for t in killed if (r := t.recovery_seconds()) is not None]
        between = [s for t in killed for s in t.after_kill() if s.outcome != "refused"]
        lost = sum(t.confirmed and t.applications == 0 for t in group)
        lines.append(
            f"| {process} | {point} | {len(group)} | {len(killed)} | {lost} | "
            f"{sum(t.applications > 1 for t in group)} | {sum(t.restarted for t in killed)}/{len(killed)} | "
            f"{sum(not t.finished for t in group)} | "
            + (f"{statistics.median(recoveries):.1f} / {max(recoveries):.1f} s" if recoveries else "–")
            + f" | {max((s.seconds for s in between), default=0.0):.1f} s | {sum(s.seconds > 3 for s in between)} | "
            f"{sum(s.outcome == 'refused' for t in killed for s in t.after_kill())} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start the stack, run the trials and print the table with the load average."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--budget-minutes", type=float, default=600.0, help="stop starting trials after this")
    args = parser.parse_args(argv)
    source = BotSettings().home
    with tempfile.TemporaryDirectory(prefix="nonghui-kill-") as work:
        stack = Stack(source, Path(work))
        print(f"load average at start: {os.getloadavg()}", flush=True)
        stack.start()
        try:
            trials = run_trials(stack, args.trials, args.seed, args.budget_minutes * 60)
        finally:
            stack.stop()
        print(f"load average at end: {os.getloadavg()}")
        print(table(trials))
    return 0


if __name__ == "__main__":
    sys.exit(main())
