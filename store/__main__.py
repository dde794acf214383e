"""Operator commands on the database: `python -m store sync-stations [--file F] [--database-url URL]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.settings import NonghuiSettings
from loans.stations import SAMPLE_STATIONS, StationsError, load_stations
from store.db import make_engine, migrate, session_factory, session_scope
from store.stations import sync_stations


def main(argv: list[str] | None = None) -> int:
    """Run one operator command; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m store")
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser("sync-stations", help="load a station registry YAML into the database")
    sync.add_argument("--file", type=Path, default=None, help="default: the stations_file setting or the sample")
    sync.add_argument("--database-url", default=None, help="default: the database_url setting or the SQLite file")
    args = parser.parse_args(argv)
    settings = NonghuiSettings()
    try:
        stations = load_stations(args.file or settings.stations_file or SAMPLE_STATIONS)
    except StationsError as exc:
        print(exc, file=sys.stderr)
        return 2
    engine = make_engine(args.database_url or settings.resolved_database_url)
    try:
        migrate(engine)
        with session_scope(session_factory(engine)) as session:
            report = sync_stations(session, stations)
    finally:
        engine.dispose()
    print(f"stations: {report.created} created, {report.updated} updated, {report.deactivated} deactivated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
