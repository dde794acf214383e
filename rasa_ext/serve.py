"""`python -m rasa_ext.serve run …` (Rasa's venv): `rasa run` with the API token taken from the environment.

Rasa reads its token only from `--auth-token`, and a command-line argument is visible to every local user in the
process list. This launcher reads NONGHUI_RASA_TOKEN (or the file NONGHUI_RASA_TOKEN_FILE names), adds it to
Rasa's arguments inside the process (the process list keeps the original command line) and runs Rasa's CLI.
"""

from __future__ import annotations

import sys

from rasa_ext.wire import TOKEN_ENV, read_token


def arguments(argv: list[str], token: str | None) -> list[str]:
    """Rasa's arguments with `--auth-token` added for `run` when a token is set (never twice)."""
    if token and argv[:1] == ["run"] and "--auth-token" not in argv:
        return [*argv, "--auth-token", token]
    return list(argv)


def main() -> None:
    """Run Rasa's command line with the token added; refuse `run` without a token."""
    argv = sys.argv[1:]
    token = read_token()
    if argv[:1] == ["run"] and not token:
        sys.stderr.write(f"{TOKEN_ENV} (or {TOKEN_ENV}_FILE) must be set: Rasa's API and channel need a token\n")
        raise SystemExit(2)
    sys.argv = [sys.argv[0], *arguments(argv, token)]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
