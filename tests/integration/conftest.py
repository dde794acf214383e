"""Real processes for integration tests: action server, Rasa server and bot, on free loopback ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The bots started here accept this key from the test clients, which may then name any sender_id.
API_KEY = "integration-api-key-7f3c9b1d4e6a8f20c5b7d9e1"
API_HEADERS = {"Authorization": f"Bearer {API_KEY}"}
HOME = Path(os.environ.get("NONGHUI_HOME", Path.home() / ".cache" / "nonghui"))

pytestmark = pytest.mark.integration

# The secrets every test stack shares: Rasa's token (API and the Nonghui input channel) and the action server's.
RASA_TOKEN = "test-rasa-token-0123456789abcdef0123456789"
ACTION_SECRET = "test-action-secret-0123456789abcdef012345"


def rasa_args(port: int, endpoints: Path | str) -> list[str]:
    """Rasa's command line as the supervisor builds it (token from the environment, not the command line)."""
    from bot.supervisor import rasa_command

    return rasa_command(HOME, port, str(rasa_model()), str(endpoints))


def endpoints_yml(action_port: int) -> str:
    """An endpoints file for a test stack: the action server on `action_port` with its secret, in-memory tracker."""
    return (
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'  headers:\n    X-Nonghui-Action-Token: "{ACTION_SECRET}"\n'
    )


def rasa_status(rasa_url: str) -> str:
    """Rasa's /status URL with the test token (the API requires it)."""
    return f"{rasa_url}/status?token={RASA_TOKEN}"


def tracker_url(rasa_url: str, sender: str) -> str:
    """Rasa's tracker API URL of one conversation (send `token=RASA_TOKEN` among the query parameters)."""
    return f"{rasa_url}/conversations/{sender}/tracker"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    """A started child process with its log."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        """Last lines of the log, for failure messages."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate, then kill if it does not stop."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NONGHUI_"))}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST="127.0.0.1",
        PYTHONPATH=str(ROOT),
        NONGHUI_HOME=str(HOME),
        TOKENIZERS_PARALLELISM="false",
        NONGHUI_API_KEY=API_KEY,
        NONGHUI_ENV="development",  # named explicitly, as a deployment reachable from other machines must
        # Tests check behaviour, not speed: a slow turn on a loaded machine must not turn into the outage
        # fallback (a dead Rasa or action server still fails fast: refused connections, empty replies).
        NONGHUI_RASA_TURN_BUDGET_SECONDS="60",
        NONGHUI_ANSWER_WITHIN_SECONDS="61",
        NONGHUI_RASA_TOKEN=RASA_TOKEN,
        NONGHUI_ACTION_SECRET=ACTION_SECRET,
    )
    env.update(extra)
    return env


def action_keys_env() -> dict[str, str]:
    """The action server's keys, derived from the test home's data key exactly as the supervisor does: the
    action servers started here get these and never the data key (its file under HOME is not theirs to read)."""
    from bot.settings import BotSettings
    from bot.supervisor import action_keys

    return action_keys(BotSettings(home=HOME, env="development", data_key=None))


def start(name: str, args: list[str], logs: Path, env: dict[str, str]) -> Proc:
    """Start a child process in the repo root with its output in a log file."""
    log = logs / f"{name}.log"
    process = subprocess.Popen(args, cwd=ROOT, env=_env(env), stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return Proc(name, process, log)


def wait_until(proc: Proc, url: str, *, timeout: float, ok: Callable[[httpx.Response], bool] = lambda r: True) -> None:
    """Poll `url` until it answers 2xx (and `ok`), failing with the log tail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            pytest.fail(f"{proc.name} exited with {proc.process.returncode}:\n{proc.tail()}")
        try:
            response = httpx.get(url, timeout=2)
            if response.is_success and ok(response):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{proc.name} not ready at {url} after {timeout:.0f} s:\n{proc.tail()}")


def rasa_model() -> Path:
    """The model trained by scripts/setup.sh."""
    pointer = HOME / "rasa-models" / "current"
    if not pointer.is_file() or not Path(pointer.read_text().strip()).is_file():
        pytest.fail("no trained Rasa model: run scripts/setup.sh (scripts/test.sh does) before integration tests")
    return Path(pointer.read_text().strip())


@dataclass
class Stack:
    """The running dialogue back end: Rasa server plus action server."""

    rasa_url: str
    logs: Path
    action_url: str = ""


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def stack(logs_dir: Path) -> Iterator[Stack]:
    """Action server and Rasa server with the setup's model, on free ports."""
    action_port, rasa_port = free_port(), free_port()
    endpoints = logs_dir / "endpoints.yml"
    endpoints.write_text(endpoints_yml(action_port), encoding="utf-8")
    actions = start(
        "actions",
        [sys.executable, "-m", "actions"],
        logs_dir,
        {"NONGHUI_ACTION_PORT": str(action_port), **action_keys_env()},
    )
    rasa = start("rasa", rasa_args(rasa_port, endpoints), logs_dir, {})
    try:
        wait_until(actions, f"http://127.0.0.1:{action_port}/health", timeout=120)
        wait_until(
            rasa,
            rasa_status(f"http://127.0.0.1:{rasa_port}"),
            timeout=240,
            ok=lambda r: bool(r.json().get("model_file")),
        )
        yield Stack(
            rasa_url=f"http://127.0.0.1:{rasa_port}", logs=logs_dir, action_url=f"http://127.0.0.1:{action_port}"
        )
    finally:
        rasa.stop()
        actions.stop()


@pytest.fixture(scope="session")
def start_bot(logs_dir: Path) -> Iterator[Callable[..., tuple[str, Proc]]]:
    """Factory: start a bot process with extra environment; returns (web base URL, process)."""
    started: list[Proc] = []

    def _start(name: str, env: dict[str, str]) -> tuple[str, Proc]:
        port = free_port()
        db = logs_dir / f"{name}.db"
        proc = start(
            name,
            [sys.executable, "-m", "bot"],
            logs_dir,
            {"NONGHUI_WEB_PORT": str(port), "NONGHUI_DATABASE_URL": f"sqlite:///{db}", **env},
        )
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        wait_until(proc, f"{base}/readyz", timeout=60)
        return base, proc

    yield _start
    for proc in started:
        proc.stop()


def chat(base: str, sender: str, text: str, lang: str | None = None, **extra: object) -> dict:  # type: ignore[type-arg]
    """POST one farmer turn to a bot's web API and return the JSON body (asserting HTTP 200)."""
    response = httpx.post(
        f"{base}/api/chat",
        json={"sender_id": sender, "text": text, "lang": lang, **extra},
        headers=API_HEADERS,
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def web(stack: Stack, start_bot: Callable[..., tuple[str, Proc]]) -> str:
    """One bot process in front of the shared Rasa stack, for web API tests."""
    base, _ = start_bot("bot-web", {"NONGHUI_RASA_URL": stack.rasa_url})
    return base
