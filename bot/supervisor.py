"""`python -m bot.supervisor`: run Rasa server, action server and bot together, and keep them running.

Starts the three processes, waits until the bot answers, prints where to chat, restarts a child that exits on
its own (with back-off, logging each restart) while the others keep serving, and stops everything cleanly on
Ctrl-C or SIGTERM.

The children run in their own sessions: a Ctrl-C in the terminal reaches only the supervisor, which then asks
each child to stop with one SIGTERM (bot first, so nobody talks to a half-stopped back end). A child also gets
SIGTERM when the supervisor itself dies (Linux), so no orphan keeps a port a new supervisor needs.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

import httpx
from pydantic import SecretStr

from bot.settings import BotSettings
from core.errors import NonghuiError
from core.settings import ENV_PREFIX, keep_files_private, require_named_environment

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 15.0
POLL_SECONDS = 0.2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1
log = logging.getLogger("nonghui.supervisor")


def keep_all(_: str) -> bool:
    """Environment filter of the bot: it needs everything (channel tokens, keys)."""
    return True


# The Rasa server needs no key and no channel token: only these variables of the supervisor's environment.
_RASA_ENV = frozenset({"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "NONGHUI_RASA_TRACKER_URL"})
# The action server needs the database and the keys the supervisor derives for it (store/crypto.py
# derive_action_keys), but no data key, channel token, campaign key, web or Rasa secret: variables with these
# prefixes never reach it, nor any other secret setting of the bot (`_secret_variables`).
_NOT_FOR_ACTIONS = (
    "TELEGRAM_",
    "WECHAT_",
    f"{ENV_PREFIX}WECHAT_",
    f"{ENV_PREFIX}DATA_KEY",  # NONGHUI_DATA_KEY and NONGHUI_DATA_KEYS_PREVIOUS
    f"{ENV_PREFIX}RASA_TRACKER_PASSWORD",
)
# The secret settings the action server is given (its own secret and the derived keys).
_ACTIONS_SECRETS = frozenset({"action_secret", "draft_key", "lookup_key"})


def rasa_env(name: str) -> bool:
    """Environment filter of the Rasa server: locale and paths, Rasa's and Sanic's own settings."""
    return name in _RASA_ENV or name.startswith(("LC_", "RASA_", "SANIC_"))


@functools.cache
def _secret_variables() -> frozenset[str]:
    """The environment variables of the bot's secret settings the action server must not see."""
    names = set()
    for name, info in BotSettings.model_fields.items():
        if name in _ACTIONS_SECRETS or SecretStr not in (info.annotation, *get_args(info.annotation)):
            continue
        alias = info.validation_alias
        names.add(alias if isinstance(alias, str) else f"{ENV_PREFIX}{name.upper()}")
    return frozenset(names)


def actions_env(name: str) -> bool:
    """Environment filter of the action server: everything but the data keys, channel tokens and the bot's other
    secrets (campaign key, API key, web session key, Rasa's token)."""
    return not name.startswith(_NOT_FOR_ACTIONS) and name not in _secret_variables()


def action_keys(settings: BotSettings) -> dict[str, str]:
    """The action server's keys (public sealing key, draft key, lookup key) derived from the data key, as its
    environment: it stores applications it cannot read back and never holds the data key."""
    from store.crypto import data_key_from_settings, derive_action_keys

    return derive_action_keys(data_key_from_settings(settings)).environment()


@dataclass(frozen=True)
class ChildSpec:
    """What to start: a name for messages and logs, the command line, environment variables to add, and which
    of the supervisor's own environment variables the child inherits."""

    name: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    inherit: Callable[[str], bool] = keep_all
    ready_url: str | None = None  # answers 2xx once the child serves: from then on a crash counts as a first one


@dataclass(frozen=True)
class Backoff:
    """How long to wait before restarting a child: at once after a first crash (`first_crash`), then `first`,
    doubling up to `cap` while it keeps crashing before it ever served; a child that served (its ready URL
    answered) or ran `healthy_after` seconds counts as new, so a serving process killed again and again is
    brought back at once each time, while one that dies during start-up backs off."""

    first: float = 1.0
    cap: float = 30.0
    healthy_after: float = 60.0
    first_crash: float = 0.0

    def next_delay(self, previous: float | None, uptime: float, *, served: bool = False) -> float:
        """The delay before the next restart, given the previous delay (None: first crash), how long it ran and
        whether it served since it was last started."""
        if previous is None or served or uptime >= self.healthy_after:
            return self.first_crash
        if previous < self.first:
            return self.first
        return min(self.cap, previous * 2)


@dataclass
class Child:
    """A supervised process, its log file and its restart state."""

    spec: ChildSpec
    log: Path
    process: subprocess.Popen[bytes]
    started: float
    restarts: int = 0
    served: bool = False  # its ready URL answered since it was last started
    delay: float | None = None
    restart_at: float | None = None

    @property
    def name(self) -> str:
        """The child's name ("rasa", "actions", "bot")."""
        return self.spec.name


def _env(home: Path, extra: dict[str, str], inherit: Callable[[str], bool] = keep_all) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if inherit(name)}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST="127.0.0.1",
        PYTHONPATH=str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        NONGHUI_HOME=str(home),
        TOKENIZERS_PARALLELISM="false",
    )
    env.update(extra)
    return env


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl on Linux (looked up in the supervisor, so the forked child only calls it), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    except (OSError, AttributeError):
        return None


def _die_with_supervisor() -> None:
    """Runs in the child before exec: SIGTERM it when the supervisor dies, even by SIGKILL (Linux)."""
    prctl = _prctl()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _spawn(spec: ChildSpec, home: Path, logs: Path) -> tuple[subprocess.Popen[bytes], Path]:
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"{spec.name}.log"
    _prctl()
    with path.open("ab") as out:
        process = subprocess.Popen(
            spec.args,
            cwd=ROOT,
            env=_env(home, spec.env, spec.inherit),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_supervisor,
        )
    return process, path


def describe_exit(code: int) -> str:
    """ "code 3" or "signal SIGKILL" for a child's return code."""
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).is_success
    except httpx.HTTPError:
        return False


@dataclass
class Supervisor:
    """Starts the children, restarts any that exits with back-off, and stops them all on `stop()`.

    Children get NONGHUI_HOME=`home`; their output goes to `logs` (default `home`/logs), one file per child."""

    specs: list[ChildSpec]
    home: Path
    backoff: Backoff = field(default_factory=Backoff)
    ready_urls: list[str] = field(default_factory=list)
    banner: list[str] = field(default_factory=list)
    logs: Path | None = None
    _children: list[Child] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def _logs(self) -> Path:
        return self.logs or self.home / "logs"

    def pids(self) -> dict[str, int | None]:
        """The current process id of each child (None while it waits to be restarted)."""
        with self._lock:
            return {c.name: (c.process.pid if c.process.poll() is None else None) for c in self._children}

    def serving(self) -> dict[str, bool]:
        """Whether each child's ready URL has answered since it was last started (children without one: False)."""
        with self._lock:
            return {c.name: c.served for c in self._children}

    def restarts(self) -> dict[str, int]:
        """How often each child has been restarted."""
        with self._lock:
            return {c.name: c.restarts for c in self._children}

    def stop(self) -> None:
        """Ask the loop to stop every child and return (safe from a signal handler or another thread)."""
        self._stopping.set()

    def run(self) -> int:
        """Start every child and supervise until `stop()`; returns 0 after a clean stop."""
        now = time.monotonic()
        with self._lock:
            for spec in self.specs:
                process, path = _spawn(spec, self.home, self._logs)
                self._children.append(Child(spec, path, process, now))
        started, announced = now, False
        try:
            while not self._stopping.is_set():
                self._note_serving()
                self._check_children(time.monotonic())
                if not announced and all(_ready(url) for url in self.ready_urls):
                    announced = True
                    print(f"✓ Ready after {time.monotonic() - started:.0f} s.", *self.banner, sep="\n", flush=True)
                self._stopping.wait(POLL_SECONDS)
            print("\nStopping …", flush=True)
            return 0
        finally:
            self._stop_all()

    def _note_serving(self) -> None:
        """Probe the ready URL of each child that has not served since its start (outside the lock)."""
        with self._lock:
            waiting = [c for c in self._children if not c.served and c.spec.ready_url and c.restart_at is None]
        for child in waiting:
            process = child.process
            if _ready(str(child.spec.ready_url)):
                with self._lock:
                    child.served = child.served or child.process is process

    def _check_children(self, now: float) -> None:
        with self._lock:
            for child in self._children:
                if child.restart_at is not None:
                    if now >= child.restart_at and not self._stopping.is_set():
                        self._restart(child, now)
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                uptime = now - child.started
                child.delay = self.backoff.next_delay(child.delay, uptime, served=child.served)
                child.restart_at = now + child.delay
                log.warning(
                    "%s exited (%s) after %.0f s; restarting in %.1f s (see %s)",
                    child.name, describe_exit(code), uptime, child.delay, child.log,
                )  # fmt: skip

    def _restart(self, child: Child, now: float) -> None:
        child.process, child.log = _spawn(child.spec, self.home, self._logs)
        child.started, child.restart_at, child.served = now, None, False
        child.restarts += 1
        log.warning("%s restarted (restart %d, pid %d)", child.name, child.restarts, child.process.pid)

    def _stop_all(self) -> None:
        with self._lock:
            children = list(reversed(self._children))  # the bot first, the back ends after it
            for child in children:
                if child.process.poll() is None:
                    child.process.terminate()
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            for child in children:
                try:
                    child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop within %.0f s; killing it", child.name, STOP_GRACE_SECONDS)
                    child.process.kill()
                    child.process.wait()


def supervise(
    specs: list[ChildSpec], home: Path, ready_urls: list[str], *, banner: list[str], logs: Path | None = None
) -> int:
    """Run a `Supervisor` in the main thread until SIGINT, SIGTERM or SIGHUP; returns 0 after the clean stop."""
    supervisor = Supervisor(specs, home, ready_urls=ready_urls, banner=banner, logs=logs)

    def _on_signal(signum: int, _frame: object) -> None:
        supervisor.stop()

    previous = {sig: signal.signal(sig, _on_signal) for sig in STOP_SIGNALS}
    try:
        return supervisor.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def rasa_status_url(port: int, token: str) -> str:
    """Rasa's `/status` on this machine with the API token (answers once the model is loaded)."""
    return str(httpx.URL(f"http://127.0.0.1:{port}/status", params={"token": token}))


def rasa_command(home: Path, port: int, model: str, endpoints: str = "nlu/endpoints.yml") -> list[str]:
    """Rasa's command line: `rasa run` through rasa_ext.serve, which adds the API token from the environment
    (NONGHUI_RASA_TOKEN) inside the process, so the token never appears in the process list."""
    return [
        str(home / "rasa310" / "bin" / "python"), "-m", "rasa_ext.serve", "run", "--enable-api",
        "-i", "127.0.0.1", "-p", str(port), "--model", model, "--endpoints", endpoints,
        "--credentials", "nlu/credentials.yml",
    ]  # fmt: skip


def plan(settings: BotSettings) -> list[ChildSpec] | None:
    """The three processes of a local deployment, or None when setup has not trained a Rasa model yet.

    Secrets reach the children through their environment (development: generated under `home/secrets/`):
    Rasa gets its token and the action server's secret only; the action server its secret and the keys derived
    for it (never the data key: it seals applications it cannot open, `action_keys`)."""
    home = settings.home
    model_file = home / "rasa-models" / "current"
    if not model_file.is_file():
        return None
    rasa_port = httpx.URL(settings.rasa_url).port or 5005
    action_secret, token = settings.resolved_action_secret(), settings.resolved_rasa_token()
    keys = action_keys(settings)
    return [
        ChildSpec(
            "actions",
            [sys.executable, "-m", "actions"],
            {"NONGHUI_ACTION_SECRET": action_secret, **keys},
            actions_env,
            ready_url=f"http://127.0.0.1:{settings.action_port}/health",
        ),
        # Rasa reads the action server's address and secret from the environment (nlu/endpoints.yml).
        ChildSpec(
            "rasa",
            rasa_command(home, rasa_port, model_file.read_text().strip()),
            {
                "NONGHUI_ACTION_URL": settings.resolved_action_url,
                "NONGHUI_ACTION_SECRET": action_secret,
                "NONGHUI_RASA_TOKEN": token,
            },
            rasa_env,
            ready_url=rasa_status_url(rasa_port, token),
        ),
        ChildSpec(
            "bot",
            [sys.executable, "-m", "bot"],
            {"NONGHUI_ACTION_SECRET": action_secret},
            ready_url=f"http://{settings.web_host}:{settings.web_port}/readyz",
        ),
    ]


def configure_logging(logs: Path) -> None:
    """Supervisor messages to the console and to `logs`/supervisor.log (names, exit codes and times only)."""
    logs.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in (logging.StreamHandler(sys.stderr), logging.FileHandler(logs / "supervisor.log")):
        handler.setFormatter(formatter)
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


class ScaleOutError(NonghuiError):
    """The settings do not describe a topology several replicas can share."""


def replica_endpoints(tracker_url: str, action_url: str, max_session_events: int = 60) -> str:
    """Rasa's endpoints file for one replica: its action server (with the secret from the environment) and the
    shared PostgreSQL tracker store (its password, if any, from NONGHUI_RASA_TRACKER_PASSWORD)."""
    from sqlalchemy.engine import make_url

    url = make_url(tracker_url)
    if not url.drivername.startswith("postgresql"):
        raise ScaleOutError("replicas share Rasa's tracker store: NONGHUI_RASA_TRACKER_URL must be PostgreSQL")
    lines = [
        "action_endpoint:",
        f'  url: "{action_url}"',
        "  headers:",
        "    X-Nonghui-Action-Token: ${NONGHUI_ACTION_SECRET}",
        "tracker_store:",
        "  type: rasa_ext.tracker_store.RollingSQLTrackerStore",
        f"  max_session_events: {max_session_events}",
        '  dialect: "postgresql"',
        f'  url: "{url.host or "127.0.0.1"}"',
        f"  port: {url.port or 5432}",
        f'  db: "{url.database}"',
        f'  username: "{url.username or "postgres"}"',
    ]
    if url.password:
        lines.append("  password: ${NONGHUI_RASA_TRACKER_PASSWORD}")
    return "\n".join(lines) + "\n"


def scaled_plan(settings: BotSettings, replicas: int) -> list[ChildSpec]:
    """N Rasa servers, N action servers and N bot workers on one machine, sharing PostgreSQL and Redis.

    Replica i listens on the configured port + i (Rasa, actions, web). Every bot worker knows every Rasa server
    and routes each conversation to one by a stable hash of its sender id (bot/rasa_client.py); Rasa i calls
    action server i; only worker 0 runs the background jobs (outbox delivery, idle hand-offs) and Telegram
    polling (several workers need Telegram's webhook mode behind the load balancer)."""
    from sqlalchemy.engine import make_url

    if replicas < 1:
        raise ScaleOutError("--replicas must be at least 1")
    if not make_url(settings.resolved_database_url).drivername.startswith("postgresql"):
        raise ScaleOutError("replicas share the app database: NONGHUI_DATABASE_URL must be PostgreSQL")
    if not settings.rasa_tracker_url or not settings.redis_url:
        raise ScaleOutError("replicas need NONGHUI_RASA_TRACKER_URL (PostgreSQL) and NONGHUI_REDIS_URL")
    home = settings.home
    model_file = home / "rasa-models" / "current"
    if not model_file.is_file():
        raise ScaleOutError("no trained Rasa model: run scripts/setup.sh first")
    model = model_file.read_text().strip()
    rasa_port = httpx.URL(settings.rasa_url).port or 5005
    action_secret, token = settings.resolved_action_secret(), settings.resolved_rasa_token()
    keys = action_keys(settings)
    rasa_urls = [f"http://127.0.0.1:{rasa_port + i}" for i in range(replicas)]
    run_dir = home / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    tracker_password = make_url(settings.rasa_tracker_url).password
    specs: list[ChildSpec] = []
    for i in range(replicas):
        action_port = settings.action_port + i
        action_url = f"http://127.0.0.1:{action_port}/webhook"
        endpoints = run_dir / f"endpoints-replica-{i}.yml"
        endpoints.write_text(replica_endpoints(settings.rasa_tracker_url, action_url), encoding="utf-8")
        rasa_vars = {"NONGHUI_ACTION_SECRET": action_secret, "NONGHUI_RASA_TOKEN": token}
        if tracker_password:
            rasa_vars["NONGHUI_RASA_TRACKER_PASSWORD"] = str(tracker_password)
        actions_vars = {"NONGHUI_ACTION_SECRET": action_secret, "NONGHUI_ACTION_PORT": str(action_port), **keys}
        bot_vars = {
            "NONGHUI_ACTION_SECRET": action_secret,
            "NONGHUI_ACTION_PORT": str(action_port),
            "NONGHUI_WEB_PORT": str(settings.web_port + i),
            "NONGHUI_RASA_URLS": json.dumps(rasa_urls),
            "NONGHUI_BACKGROUND_JOBS": "true" if i == 0 else "false",
        }
        bot_inherit = keep_all if i == 0 or settings.telegram_mode == "webhook" else _no_polling
        specs += [
            ChildSpec(
                f"actions-{i}",
                [sys.executable, "-m", "actions"],
                actions_vars,
                actions_env,
                ready_url=f"http://127.0.0.1:{action_port}/health",
            ),
            ChildSpec(
                f"rasa-{i}",
                rasa_command(home, rasa_port + i, model, str(endpoints)),
                rasa_vars,
                rasa_env,
                ready_url=rasa_status_url(rasa_port + i, token),
            ),
            ChildSpec(
                f"bot-{i}",
                [sys.executable, "-m", "bot"],
                bot_vars,
                bot_inherit,
                ready_url=f"http://{settings.web_host}:{settings.web_port + i}/readyz",
            ),
        ]
    return specs


def _no_polling(name: str) -> bool:
    """Environment filter of bot workers after the first in polling mode: no Telegram token (one poller only)."""
    return name != "TELEGRAM_BOT_TOKEN"


def main(argv: list[str] | None = None) -> int:
    """Start Rasa, the action server and the bot (or `--replicas N` of each), and supervise them until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m bot.supervisor", description=__doc__)
    parser.add_argument("--replicas", type=int, default=0, help="N Rasa servers, action servers and bot workers")
    args = parser.parse_args(argv)
    keep_files_private()  # databases, logs and keys of every process: 0600
    settings = BotSettings()
    try:
        require_named_environment(settings, exposed=settings.reachable_from_outside)
        specs = scaled_plan(settings, args.replicas) if args.replicas else plan(settings)
    except NonghuiError as err:
        print(f"cannot start: {err}", file=sys.stderr)
        return 2
    if specs is None:
        print("No trained Rasa model: run scripts/setup.sh first.", file=sys.stderr)
        return 2
    configure_logging(settings.home / "logs")
    replicas = max(1, args.replicas)
    webs = [f"http://{settings.web_host}:{settings.web_port + i}" for i in range(replicas)]
    banner = [f"  Chat in your browser: {', '.join(webs)}"]
    if settings.telegram_bot_token:
        banner.append(f"  Telegram ({settings.telegram_mode}) is on as well.")
    else:
        banner.append("  (Set TELEGRAM_BOT_TOKEN to serve Telegram as well.)")
    banner.append("  Ctrl-C stops everything.")
    print(f"Starting Rasa, the action server and the bot (logs in {settings.home / 'logs'}) …", flush=True)
    rasa_port = httpx.URL(settings.rasa_url).port or 5005
    token = settings.resolved_rasa_token()
    ready = [f"{web}/readyz" for web in webs] + [rasa_status_url(rasa_port + i, token) for i in range(replicas)]
    return supervise(specs, settings.home, ready, banner=banner)


if __name__ == "__main__":
    raise SystemExit(main())
