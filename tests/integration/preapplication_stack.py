"""Action server, Rasa server (SQL tracker store from nlu/endpoints.yml) and bot sharing one SQLite database.

Unlike the session-wide `stack` fixture, every process here can be killed and started again, which the
pre-application crash test needs; the measurement scripts reuse it too.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.integration.conftest import (
    RASA_TOKEN,
    Proc,
    action_keys_env,
    free_port,
    rasa_args,
    rasa_status,
    start,
    tracker_url,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
RASA_READY_SECONDS = 300


def sync_sample_stations(database_url: str) -> None:
    """Migrate the database and load the sample station registry, as `python -m store sync-stations` does."""
    from loans.stations import load_stations
    from store.db import make_engine, migrate, session_factory, session_scope
    from store.stations import sync_stations

    engine = make_engine(database_url)
    try:
        migrate(engine)
        with session_scope(session_factory(engine)) as session:
            sync_stations(session, load_stations())
    finally:
        engine.dispose()


@dataclass
class FormStack:
    """The three processes of a deployment on free ports, restartable one by one."""

    work: Path
    action_port: int = field(default_factory=free_port)
    rasa_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    procs: dict[str, Proc] = field(default_factory=dict)
    starts: int = 0

    @property
    def database_url(self) -> str:
        """The one database of the actions and the bot."""
        return f"sqlite:///{self.work / 'nonghui.db'}"

    @property
    def tracker_db(self) -> Path:
        """Where nlu/endpoints.yml puts Rasa's tracker store (under the NONGHUI_HOME given to Rasa)."""
        return self.work / "rasa-tracker.db"

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        """Base URL of the bot's web API."""
        return f"http://127.0.0.1:{self.web_port}"

    def _endpoints(self) -> Path:
        """nlu/endpoints.yml as written (Rasa takes the action server URL and tracker path from its environment)."""
        return ROOT / "nlu" / "endpoints.yml"

    def start_all(self, extra_bot_env: dict[str, str] | None = None) -> None:
        """Start (or restart) actions, Rasa and the bot, and wait until all three answer."""
        self.starts += 1
        logs = self.work / f"run{self.starts}"
        logs.mkdir(parents=True, exist_ok=True)
        env = {"NONGHUI_DATABASE_URL": self.database_url}
        self.procs["actions"] = start(
            "actions",
            [sys.executable, "-m", "actions"],
            logs,
            {**env, "NONGHUI_ACTION_PORT": str(self.action_port), **action_keys_env()},
        )
        self.procs["rasa"] = start(
            "rasa",
            rasa_args(self.rasa_port, self._endpoints()),
            logs,
            # nlu/endpoints.yml reads both: the tracker store path and the action server URL.
            {"NONGHUI_HOME": str(self.work), "NONGHUI_ACTION_URL": f"http://127.0.0.1:{self.action_port}/webhook"},
        )
        self.procs["bot"] = start(
            "bot",
            [sys.executable, "-m", "bot"],
            logs,
            {
                **env,
                "NONGHUI_WEB_PORT": str(self.web_port),
                "NONGHUI_RASA_URL": self.rasa_url,
                "NONGHUI_RASA_TRACKER_URL": f"sqlite:///{self.tracker_db}",
                **(extra_bot_env or {}),
            },
        )
        wait_until(self.procs["actions"], f"http://127.0.0.1:{self.action_port}/health", timeout=120)
        wait_until(
            self.procs["rasa"],
            rasa_status(self.rasa_url),
            timeout=RASA_READY_SECONDS,
            ok=lambda r: bool(r.json().get("model_file")),
        )
        wait_until(self.procs["bot"], f"{self.web_url}/readyz", timeout=60)

    def start_bot(self, name: str, env: dict[str, str]) -> Proc:
        """Another bot process (e.g. serving Telegram) in front of the same Rasa and database."""
        port = free_port()
        proc = start(
            name,
            [sys.executable, "-m", "bot"],
            self.work,
            {
                "NONGHUI_DATABASE_URL": self.database_url,
                "NONGHUI_WEB_PORT": str(port),
                "NONGHUI_RASA_URL": self.rasa_url,
                "NONGHUI_RASA_TRACKER_URL": f"sqlite:///{self.tracker_db}",
                **env,
            },
        )
        self.procs[name] = proc
        wait_until(proc, f"http://127.0.0.1:{port}/readyz", timeout=60)
        return proc

    def kill_all(self) -> None:
        """SIGKILL every process: no clean shutdown, as in a power cut."""
        for proc in self.procs.values():
            if proc.process.poll() is None:
                os.kill(proc.process.pid, signal.SIGKILL)
                proc.process.wait()

    def stop_all(self) -> None:
        """Terminate every process politely."""
        for proc in self.procs.values():
            proc.stop()

    def slots(self, sender: str) -> dict[str, object]:
        """The Rasa tracker's slots of a web sender (`web:` prefix added)."""
        response = httpx.get(
            tracker_url(self.rasa_url, f"web:{sender}"), params={"include_events": "NONE", "token": RASA_TOKEN}
        )
        response.raise_for_status()
        return dict(response.json().get("slots") or {})

    def applications(self) -> list[tuple[str, str, str]]:
        """(reference, status, form token) of every stored pre-application."""
        import sqlite3

        with sqlite3.connect(self.work / "nonghui.db") as conn:
            return list(conn.execute("select reference, status, form_token from pre_applications order by id"))
