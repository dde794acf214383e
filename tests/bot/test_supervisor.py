"""The supervisor: restarts a crashed child with back-off while the others keep running; stops all cleanly."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from bot.supervisor import Backoff, ChildSpec, Supervisor, describe_exit

SLEEPER = [sys.executable, "-c", "import time\nwhile True: time.sleep(0.1)"]
ROOT = Path(__file__).resolve().parents[2]


def _children_of(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _wait_for(condition: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Callable[..., Supervisor]]:
    started: list[tuple[Supervisor, threading.Thread]] = []

    def start(specs: list[ChildSpec], backoff: Backoff) -> Supervisor:
        supervisor = Supervisor(specs, tmp_path, backoff=backoff)
        thread = threading.Thread(target=supervisor.run, daemon=True)
        thread.start()
        started.append((supervisor, thread))
        assert _wait_for(lambda: len(supervisor.pids()) == len(specs) and all(supervisor.pids().values()))
        return supervisor

    yield start
    for supervisor, thread in started:
        supervisor.stop()
        thread.join(timeout=30)


def test_backoff_restarts_a_first_crash_at_once_then_doubles_from_one_second_to_thirty_and_resets_after_a_minute():
    backoff = Backoff()
    delays: list[float] = []
    delay = None
    for _ in range(8):
        delay = backoff.next_delay(delay, uptime=2)
        delays.append(delay)

    assert delays == [0, 1, 2, 4, 8, 16, 30, 30]
    assert backoff.next_delay(30, uptime=61) == 0


def test_a_child_that_served_since_its_start_is_restarted_at_once_whatever_happened_before():
    backoff = Backoff()

    assert backoff.next_delay(30, uptime=2, served=True) == 0
    assert backoff.next_delay(30, uptime=2, served=False) == 30


def test_a_serving_child_killed_again_and_again_comes_back_at_once_each_time(running, caplog):
    import socket

    caplog.set_level(logging.WARNING, logger="nonghui.supervisor")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ChildSpec(
        "rasa",
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        ready_url=f"http://127.0.0.1:{port}/",
    )
    supervisor = running([ChildSpec("actions", SLEEPER), server], Backoff(first=5.0, cap=30.0))

    for _ in range(3):
        assert _wait_for(lambda: supervisor.serving()["rasa"] and bool(supervisor.pids()["rasa"]))
        os.kill(supervisor.pids()["rasa"], signal.SIGKILL)
        assert _wait_for(lambda: not supervisor.serving()["rasa"])

    assert _wait_for(lambda: supervisor.restarts()["rasa"] == 3)
    delays = [r.args[3] for r in caplog.records if r.getMessage().startswith("rasa exited (signal SIGKILL)")]
    assert delays == [0.0, 0.0, 0.0]  # never the 5 s of a child that dies before it ever served


def test_an_exit_is_described_by_its_code_or_signal():
    assert describe_exit(3) == "code 3"
    assert describe_exit(-signal.SIGKILL) == "signal SIGKILL"


def test_a_child_killed_with_sigkill_comes_back_while_the_others_keep_running(running, caplog):
    caplog.set_level(logging.WARNING, logger="nonghui.supervisor")
    supervisor = running([ChildSpec("actions", SLEEPER), ChildSpec("rasa", SLEEPER)], Backoff(first=0.2))
    before = supervisor.pids()
    actions = psutil.Process(before["actions"])

    os.kill(before["rasa"], signal.SIGKILL)

    assert _wait_for(lambda: supervisor.pids()["rasa"] not in (None, before["rasa"]))
    assert psutil.Process(supervisor.pids()["rasa"]).is_running()
    assert supervisor.pids()["actions"] == before["actions"] and actions.is_running()
    assert supervisor.restarts() == {"actions": 0, "rasa": 1}
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("rasa exited (signal SIGKILL)") for m in messages)
    assert any(m.startswith("rasa restarted (restart 1") for m in messages)


def test_a_child_that_keeps_crashing_is_restarted_with_growing_delays_up_to_the_cap(running, caplog):
    caplog.set_level(logging.WARNING, logger="nonghui.supervisor")
    crasher = ChildSpec("bot", [sys.executable, "-c", "import sys; sys.exit(3)"])
    supervisor = running([ChildSpec("actions", SLEEPER), crasher], Backoff(first=0.05, cap=0.2))
    actions = supervisor.pids()["actions"]

    assert _wait_for(lambda: supervisor.restarts()["bot"] >= 5)

    delays = [r.args[3] for r in caplog.records if r.getMessage().startswith("bot exited (code 3)")]
    assert delays[:5] == [0.0, 0.05, 0.1, 0.2, 0.2]
    assert supervisor.pids()["actions"] == actions


def test_stop_ends_every_child_and_returns_zero(tmp_path: Path):
    supervisor = Supervisor([ChildSpec("a", SLEEPER), ChildSpec("b", SLEEPER)], tmp_path)
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(supervisor.run()))
    thread.start()
    assert _wait_for(lambda: len(supervisor.pids()) == 2 and all(supervisor.pids().values()))
    processes = [psutil.Process(pid) for pid in supervisor.pids().values() if pid]

    supervisor.stop()
    thread.join(timeout=30)

    assert result == [0]
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes)


def _supervisor_process(tmp_path: Path) -> subprocess.Popen[str]:
    script = (
        "import sys, pathlib\n"
        "from bot.supervisor import ChildSpec, supervise\n"
        f"sleeper = {SLEEPER!r}\n"
        "sys.exit(supervise([ChildSpec('a', sleeper), ChildSpec('b', sleeper)], pathlib.Path(sys.argv[1]), [],"
        " banner=['ready']))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _gone(processes: list[psutil.Process]) -> bool:
    def gone(p: psutil.Process) -> bool:
        try:
            return not p.is_running() or p.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    return all(gone(p) for p in processes)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_stops_every_child_cleanly_without_a_traceback(tmp_path: Path, sig: signal.Signals):
    proc = _supervisor_process(tmp_path)
    assert _wait_for(lambda: len(_children_of(proc.pid)) >= 2)
    grandchildren = _children_of(proc.pid)
    assert proc.stdout is not None
    # The banner comes just after the children start: wait for it, so the signal never races it.
    seen = [proc.stdout.readline()]
    while "ready" not in seen[-1] and seen[-1]:
        seen.append(proc.stdout.readline())
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    out = "".join(seen) + out

    assert proc.returncode == 0
    assert "ready" in out and "Stopping" in out
    assert "Traceback" not in err
    assert _gone(grandchildren)


def test_no_child_outlives_a_supervisor_killed_with_sigkill(tmp_path: Path):
    proc = _supervisor_process(tmp_path)
    assert _wait_for(lambda: len(_children_of(proc.pid)) >= 2)
    grandchildren = _children_of(proc.pid)

    proc.kill()
    proc.communicate(timeout=30)

    assert _wait_for(lambda: _gone(grandchildren), 10)
