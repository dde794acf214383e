"""The action server's settings: the shared base (core/settings.py) plus the station registry default."""

from __future__ import annotations

from pathlib import Path

from core.settings import NonghuiSettings, is_loopback


class ActionSettings(NonghuiSettings):
    """Settings of `python -m actions`: the shared base plus the size of the answer cache."""

    # Knowledge answers remembered per process (actions/deps.py AnswerCache); 0 turns the cache off.
    answer_cache_size: int = 2048

    @property
    def resolved_stations_file(self) -> Path:
        """Station registry file, defaulting to the sample registry shipped in loans/data."""
        from loans.stations import SAMPLE_STATIONS

        return self.stations_file or SAMPLE_STATIONS

    @property
    def reachable_from_outside(self) -> bool:
        """True when other machines can reach the action server or it shares a database server."""
        return not is_loopback(self.action_host) or not self.resolved_database_url.startswith("sqlite")
