"""The action server's settings: the shared base (core/settings.py) plus the station registry default."""

from __future__ import annotations

from pathlib import Path

from core.settings import NonghuiSettings, is_loopback


class ActionSettings(NonghuiSettings):
    """Settings of `python -m actions`; everything, including `action_host` and `action_port`, is in the base."""

    @property
    def resolved_stations_file(self) -> Path:
        """Station registry file, defaulting to the sample registry shipped in loans/data."""
        from loans.stations import SAMPLE_STATIONS

        return self.stations_file or SAMPLE_STATIONS

    @property
    def reachable_from_outside(self) -> bool:
        """True when other machines can reach the action server or it shares a database server."""
        return not is_loopback(self.action_host) or not self.resolved_database_url.startswith("sqlite")
