"""Operator commands: `python -m loans rules` (the station registry is loaded with `python -m store sync-stations`)."""

from __future__ import annotations

import argparse

from loans.ruleset import available_regions, load_rules


def main(argv: list[str] | None = None) -> int:
    """Run one operator command; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m loans")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("rules", help="list rule profiles with their versions")
    parser.parse_args(argv)
    for region in available_regions():
        rules = load_rules(region)
        print(f"{region}\t{rules.version}\t{rules.name.en}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
