"""The real stack under the supervisor: a child killed with SIGKILL comes back while the others keep serving, and
Ctrl-C (SIGINT to the supervisor's process group, as a terminal sends it) stops everything without a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest

from tests.integration.conftest import (
    ACTION_SECRET,
    API_KEY,
    HOME,
    RASA_TOKEN,
    ROOT,
    action_keys_env,
    chat,
    endpoints_yml,
    free_port,
    rasa_args,
    rasa_status,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DRIVER = """
import json, pathlib, sys
from bot.supervisor import Backoff, ChildSpec, configure_logging, supervise
config = json.loads(sys.argv[1])
logs = pathlib.Path(config["logs"])
configure_logging(logs)
specs = [ChildSpec(**spec) for spec in config["specs"]]
sys.exit(supervise(specs, pathlib.Path(config["home"]), config["ready"], banner=["ready"], logs=logs))
"""


def _answers(url: str, ok: Callable[[httpx.Response], bool] = lambda r: True) -> bool:
    try:
        response = httpx.get(url, timeout=2)
        return response.is_success and ok(response)
    except httpx.HTTPError:
        return False


def _wait(condition: Callable[[], bool], seconds: float, what: str, logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    tails = {p.name: p.read_text(errors="replace")[-2000:] for p in logs.glob("*.log")}
    pytest.fail(f"{what} not within {seconds:.0f} s: {json.dumps(tails, ensure_ascii=False, indent=1)}")


def _child(supervisor: psutil.Process, marker: str) -> psutil.Process | None:
    for child in supervisor.children():
        try:
            if marker in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def test_killed_children_come_back_and_ctrl_c_stops_all_without_a_traceback(tmp_path: Path):
    action_port, rasa_port, web_port = free_port(), free_port(), free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(endpoints_yml(action_port), encoding="utf-8")
    rasa_url, web = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}"
    rasa_command = rasa_args(rasa_port, endpoints)
    logs = tmp_path / "logs"
    config = {
        "home": str(HOME),
        "logs": str(logs),
        "ready": [f"{web}/readyz", rasa_status(rasa_url)],
        "specs": [
            {
                "name": "actions",
                "args": [sys.executable, "-m", "actions"],
                "env": {"NONGHUI_ACTION_PORT": str(action_port), **action_keys_env()},
            },
            {"name": "rasa", "args": rasa_command, "env": {}},
            {
                "name": "bot",
                "args": [sys.executable, "-m", "bot"],
                "env": {
                    "NONGHUI_WEB_PORT": str(web_port),
                    "NONGHUI_RASA_URL": rasa_url,
                    "NONGHUI_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                },
            },
        ],
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NONGHUI_"))}
    env.update(PYTHONPATH=str(ROOT), NONGHUI_HOME=str(HOME), RASA_TELEMETRY_ENABLED="false")
    env.update(NONGHUI_RASA_TOKEN=RASA_TOKEN, NONGHUI_ACTION_SECRET=ACTION_SECRET, NONGHUI_API_KEY=API_KEY)
    out = (tmp_path / "supervisor.out").open("w")
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, json.dumps(config)],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the Ctrl-C below reaches nothing else
    )
    supervisor = psutil.Process(driver.pid)
    rasa_ready = lambda: _answers(rasa_status(rasa_url), lambda r: bool(r.json().get("model_file")))  # noqa: E731
    try:
        _wait(lambda: _answers(f"{web}/readyz") and rasa_ready(), 300, "the stack", logs)
        assert chat(web, "sup-1", "你好")["replies"]

        for name, marker, ready in (
            ("actions", "-m actions", lambda: _answers(f"http://127.0.0.1:{action_port}/health")),
            ("bot", "-m bot", lambda: _answers(f"{web}/healthz")),
            ("rasa", "rasa_ext.serve run", rasa_ready),
        ):
            victim = _child(supervisor, marker)
            assert victim is not None, name
            others = {c.pid for c in supervisor.children() if c.pid != victim.pid}
            victim.send_signal(signal.SIGKILL)
            _wait(lambda m=marker, v=victim.pid: (c := _child(supervisor, m)) is not None and c.pid != v, 30,
                  f"{name} restarted", logs)  # fmt: skip
            _wait(ready, 300, f"{name} serving again", logs)
            assert others <= {c.pid for c in supervisor.children()}, f"the others kept running while {name} restarted"
            assert chat(web, f"sup-{name}", "贷款利息多少")["replies"]

        os.killpg(driver.pid, signal.SIGINT)
        assert driver.wait(timeout=60) == 0
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
        out.close()
    restarts = (logs / "supervisor.log").read_text()
    assert all(f"{name} exited (signal SIGKILL)" in restarts for name in ("actions", "bot", "rasa"))
    for log in [*logs.glob("*.log"), tmp_path / "supervisor.out"]:
        assert "Traceback" not in log.read_text(errors="replace"), log.name
