"""Where the time goes when Rasa restarts (a script, not a test): `python -m tests.integration.measure_rasa_restart`.

Starts an action server, then `--rounds` times starts the Rasa server as the supervisor does (`rasa_ext.serve run`,
which logs its start-up phases and warms the model up) or, with `--plain`, Rasa's own `rasa run` without the
warm-up; waits for its status endpoint, sends one farmer turn, then kills Rasa with SIGKILL. Prints per round:
process start → status 200 → first turn answered (and how long that turn took), the phases Rasa logged, and the
load average, and the CPU seconds Rasa used (its start-up time on an otherwise idle machine, roughly).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from bot.supervisor import ROOT, _env, actions_env, rasa_env
from rasa_ext.wire import TOKEN_HEADER

PHASE = re.compile(r"rasa_ext\.start\s+- (.*)$")


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: object, timeout: float, step: float = 0.1) -> float | None:
    """Poll `check()` until true; the monotonic time it became true (None on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return time.monotonic()
        except httpx.HTTPError:
            pass
        time.sleep(step)
    return None


def main() -> int:
    """Run the rounds and print the phases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plain", action="store_true", help="Rasa's own `rasa run`, without warm-up")
    args = parser.parse_args()
    home = Path(os.environ["NONGHUI_HOME"])
    model = (home / "rasa-models" / "current").read_text().strip()
    token, secret = "measure-" + os.urandom(8).hex(), "measure-" + os.urandom(8).hex()
    rasa_port, action_port = free_port(), free_port()
    logs = Path(tempfile.mkdtemp(prefix="nonghui-rasa-restart-"))
    shared = {"NONGHUI_ACTION_SECRET": secret, "NONGHUI_RASA_TOKEN": token}
    action_env = _env(home, {**shared, "NONGHUI_ACTION_PORT": str(action_port)}, actions_env)
    with (logs / "actions.log").open("ab") as out:
        actions = subprocess.Popen([sys.executable, "-m", "actions"], cwd=ROOT, env=action_env, stdout=out, stderr=out)
    wait_until(lambda: httpx.get(f"http://127.0.0.1:{action_port}/health", timeout=2).is_success, 300)
    module = "rasa" if args.plain else "rasa_ext.serve"
    command = [str(home / "rasa310" / "bin" / "python"), "-m", module, "run", "--enable-api", "-i", "127.0.0.1",
               "-p", str(rasa_port), "--model", model, "--endpoints", "nlu/endpoints.yml",
               "--credentials", "nlu/credentials.yml"]  # fmt: skip
    if args.plain:
        command += ["--auth-token", token]
    rasa_vars = {**shared, "NONGHUI_ACTION_URL": f"http://127.0.0.1:{action_port}/webhook"}
    status = f"http://127.0.0.1:{rasa_port}/status"
    turn = f"http://127.0.0.1:{rasa_port}/webhooks/nonghui/turn"
    print(f"load average at start: {os.getloadavg()}; {'plain rasa run' if args.plain else 'rasa_ext.serve'}")
    try:
        for round_ in range(1, args.rounds + 1):
            log_path = logs / f"rasa-{round_}.log"
            with log_path.open("ab") as out:
                began = time.monotonic()
                rasa = subprocess.Popen(command, cwd=ROOT, env=_env(home, rasa_vars, rasa_env), stdout=out, stderr=out)
            up = wait_until(lambda: httpx.get(status, params={"token": token}, timeout=2).is_success, 600)
            asked = time.monotonic()
            body = {"sender": f"measure-{round_}-{os.urandom(4).hex()}", "message": "您好", "metadata": {}}
            answer = httpx.post(turn, json=body, headers={TOKEN_HEADER: token}, timeout=120)
            answered = time.monotonic()
            cpu = psutil.Process(rasa.pid).cpu_times()
            os.kill(rasa.pid, signal.SIGKILL)
            rasa.wait()
            phases = [
                m.group(1) for line in log_path.read_text(errors="replace").splitlines() if (m := PHASE.search(line))
            ]
            print(
                f"round {round_}: status 200 after {(up or answered) - began:.1f} s; first turn answered after "
                f"{answered - began:.1f} s (the turn took {answered - asked:.1f} s, HTTP {answer.status_code}); "
                f"Rasa used {cpu.user + cpu.system:.1f} s of CPU (≈ its wall time on a quiet machine); "
                f"load {os.getloadavg()[0]:.2f}"
            )
            for phase in phases:
                print(f"    {phase}")
    finally:
        actions.terminate()
        actions.wait(timeout=30)
    print(f"logs in {logs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
