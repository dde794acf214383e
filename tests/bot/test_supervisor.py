import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from bot.supervisor import ChildSpec, supervise

SLEEPER = [sys.executable, "-c", "import time\nwhile True: time.sleep(0.1)"]


def _children_of(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def test_a_crashed_child_is_reported_and_the_others_are_stopped(tmp_path: Path, capsys):
    crasher = ChildSpec("rasa", [sys.executable, "-c", "import sys; print('model missing'); sys.exit(3)"])
    code = supervise([ChildSpec("actions", SLEEPER), crasher], tmp_path, [], banner=[])
    err = capsys.readouterr().err
    assert code == 1
    assert "rasa exited with code 3" in err
    assert "model missing" in err
    assert _children_of(os.getpid()) == []


def test_sigint_stops_every_child_cleanly(tmp_path: Path):
    script = (
        "import sys, pathlib\n"
        "from bot.supervisor import ChildSpec, supervise\n"
        f"sleeper = {SLEEPER!r}\n"
        "sys.exit(supervise([ChildSpec('a', sleeper), ChildSpec('b', sleeper)], pathlib.Path(sys.argv[1]), [],"
        " banner=['ready']))\n"
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while len(_children_of(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    grandchildren = _children_of(proc.pid)
    assert len(grandchildren) == 2
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "ready" in out and "Stopping" in out
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in grandchildren)
