"""Builds the pre-application collaborators (station registry, rules, database, cipher) lazily, once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.lazy import Lazy
from loans.preapplication import PreApplicationService
from store.applications import ApplicationStore


class ApplicationServices(Protocol):
    """What the form actions need: the answer checker and the application store."""

    @property
    def form(self) -> PreApplicationService:
        """Reads answers, builds the summary and the stored form."""
        ...

    @property
    def store(self) -> ApplicationStore:
        """Stores, lists and deletes pre-applications."""
        ...


@dataclass(frozen=True)
class ReadyServices:
    """Both collaborators, already built (tests and the lazy holder use it)."""

    form: PreApplicationService
    store: ApplicationStore


class LazyApplicationServices:
    """Builds the services on first use; a failed build (database down) is retried on the next use."""

    def __init__(self, factory: Callable[[], ReadyServices]) -> None:
        self._built = Lazy(factory)

    def _get(self) -> ReadyServices:
        return self._built.get()

    @property
    def form(self) -> PreApplicationService:
        """The answer checker (registry and rules loaded on first use)."""
        return self._get().form

    @property
    def store(self) -> ApplicationStore:
        """The application store (database migrated on first use)."""
        return self._get().store


def build_application_services(
    database_url: str, stations_file: Path, env: str, home: Path, data_key: str | None = None
) -> ReadyServices:
    """The real services: the station registry file, the database (migrated) and the data key."""
    from loans.stations import StationMatcher, load_stations
    from store.crypto import FieldCipher, require_key
    from store.db import make_engine, migrate, session_factory

    stations = load_stations(stations_file)
    engine = make_engine(database_url)
    migrate(engine)
    cipher = FieldCipher(require_key(env, value=data_key, home=home))
    return ReadyServices(
        form=PreApplicationService(matcher=StationMatcher(stations), stations=stations),
        store=ApplicationStore(session_factory(engine), cipher),
    )
