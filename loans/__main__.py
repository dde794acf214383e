"""Operator commands: `python -m loans sync-stations [--file F] [--database-url URL]`, `python -m loans rules`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from loans.ruleset import available_regions, load_rules
from loans.stations import SAMPLE_STATIONS, StationsError, load_stations, sync_stations


def default_database_url() -> str:
    """`NONGHUI_DATABASE_URL`, else the SQLite file under `$NONGHUI_HOME`."""
    home = Path(os.environ.get("NONGHUI_HOME") or Path.home() / ".cache" / "nonghui")
    return os.environ.get("NONGHUI_DATABASE_URL") or f"sqlite:///{home / 'nonghui.db'}"


def main(argv: list[str] | None = None) -> int:
    """Run one operator command; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m loans")
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser("sync-stations", help="load a station registry YAML into the database")
    sync.add_argument("--file", type=Path, default=SAMPLE_STATIONS)
    sync.add_argument("--database-url", default=None)
    commands.add_parser("rules", help="list rule profiles with their versions")
    args = parser.parse_args(argv)
    if args.command == "rules":
        for region in available_regions():
            rules = load_rules(region)
            print(f"{region}\t{rules.version}\t{rules.name.en}")
        return 0
    from store.db import make_engine, migrate, session_factory, session_scope

    try:
        stations = load_stations(args.file)
    except StationsError as exc:
        print(exc, file=sys.stderr)
        return 2
    engine = make_engine(args.database_url or default_database_url())
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
