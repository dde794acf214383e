"""`python -m bot.supervisor`: run Rasa server, action server and bot together for local use.

Starts the three processes, waits until the bot answers, prints where to chat, reports a crashed
child (with the end of its log) and stops everything cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.settings import BotSettings

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Child:
    """A supervised process and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path


def _env(home: Path, extra: Mapping[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST="127.0.0.1",
        PYTHONPATH=str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        NONGHUI_HOME=str(home),
        TOKENIZERS_PARALLELISM="false",
    )
    return env


def _start(name: str, args: list[str], home: Path, extra: Mapping[str, str]) -> Child:
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    out = log.open("ab")
    process = subprocess.Popen(args, cwd=ROOT, env=_env(home, extra), stdout=out, stderr=subprocess.STDOUT)
    return Child(name, process, log)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(children: list[Child]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).is_success
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class ChildSpec:
    """What to start: a name for messages and logs, and the command line."""

    name: str
    args: list[str]


def plan(settings: BotSettings) -> list[ChildSpec] | None:
    """The three processes of a local deployment, or None when setup has not trained a Rasa model yet."""
    home = settings.home
    model_file = home / "rasa-models" / "current"
    if not model_file.is_file():
        return None
    rasa_port = httpx.URL(settings.rasa_url).port or 5005
    rasa_args = [
        str(home / "rasa310" / "bin" / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(rasa_port),
        "--model", model_file.read_text().strip(), "--endpoints", "nlu/endpoints.yml",
        "--credentials", "nlu/credentials.yml",
    ]  # fmt: skip
    if settings.rasa_token:
        rasa_args += ["--auth-token", settings.rasa_token.get_secret_value()]
    return [
        ChildSpec("actions", [sys.executable, "-m", "actions"]),
        ChildSpec("rasa", rasa_args),
        ChildSpec("bot", [sys.executable, "-m", "bot"]),
    ]


def supervise(
    specs: list[ChildSpec],
    home: Path,
    ready_urls: list[str],
    *,
    banner: list[str],
    env: Mapping[str, str] | None = None,
) -> int:
    """Start every child, announce readiness once all `ready_urls` answer, and stop all on a signal or a crash.

    `env` adds variables to the children's environment. Returns 0 after a clean stop (SIGINT/SIGTERM) and 1
    when a child exited on its own.
    """
    children = [_start(spec.name, spec.args, home, env or {}) for spec in specs]
    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    started = time.monotonic()
    announced = False
    try:
        while not stopping:
            for child in children:
                code = child.process.poll()
                if code is not None:
                    print(
                        f"\n✗ {child.name} exited with code {code}. End of {child.log}:\n{_tail(child.log)}",
                        file=sys.stderr,
                        flush=True,
                    )
                    return 1
            if not announced and all(_ready(url) for url in ready_urls):
                announced = True
                print(f"✓ Ready after {time.monotonic() - started:.0f} s.", *banner, sep="\n", flush=True)
            time.sleep(0.5)
        print("\nStopping …", flush=True)
        return 0
    finally:
        _stop(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main() -> int:
    """Start Rasa, the action server and the bot, and supervise them until interrupted or one of them dies."""
    settings = BotSettings()
    specs = plan(settings)
    if specs is None:
        print("No trained Rasa model: run scripts/setup.sh first.", file=sys.stderr)
        return 2
    web = f"http://{settings.web_host}:{settings.web_port}"
    banner = [f"  Chat in your browser: {web}"]
    if settings.telegram_bot_token:
        banner.append(f"  Telegram ({settings.telegram_mode}) is on as well.")
    else:
        banner.append("  (Set TELEGRAM_BOT_TOKEN to serve Telegram as well.)")
    banner.append("  Ctrl-C stops everything.")
    print(f"Starting Rasa, the action server and the bot (logs in {settings.home / 'logs'}) …", flush=True)
    ready = [f"{web}/healthz", f"{settings.rasa_url}/status"]
    # Rasa reads the action server's address from the environment (nlu/endpoints.yml).
    return supervise(
        specs, settings.home, ready, banner=banner, env={"NONGHUI_ACTION_URL": settings.resolved_action_url}
    )


if __name__ == "__main__":
    raise SystemExit(main())
