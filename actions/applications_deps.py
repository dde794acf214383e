"""Builds the pre-application collaborators (station registry, rules, database, cipher) lazily, once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from actions.numbers import OpensNumbers
from actions.settings import ActionSettings
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

    @property
    def numbers(self) -> OpensNumbers | None:
        """The personal numbers behind the handles in the farmer's text (None: texts hold no handles)."""
        ...


@dataclass(frozen=True)
class ReadyServices:
    """Both collaborators, already built (tests and the lazy holder use it)."""

    form: PreApplicationService
    store: ApplicationStore
    numbers: OpensNumbers | None = None


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

    @property
    def numbers(self) -> OpensNumbers | None:
        """The number vault (database migrated on first use)."""
        return self._get().numbers


def build_application_services(settings: ActionSettings) -> ReadyServices:
    """The real services: the station registry file, the database (migrated), the number vault.

    Keys: the ones the supervisor derived for the action server (store/crypto.py), never the data key: the
    application store only seals (it cannot open a stored application), the vault opens short-lived drafts."""
    from loans.stations import StationMatcher, load_stations
    from store.crypto import action_keys_from_settings
    from store.db import make_engine, migrate, session_factory
    from store.number_drafts import NumberVault

    keys = action_keys_from_settings(settings)
    stations = load_stations(settings.resolved_stations_file)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    sessions = session_factory(engine)
    return ReadyServices(
        form=PreApplicationService(matcher=StationMatcher(stations), stations=stations),
        store=ApplicationStore(sessions, keys.sealer()),
        numbers=NumberVault(sessions, keys.draft_cipher(), ttl=timedelta(hours=settings.number_draft_hours)),
    )
