"""`python -m rasa_ext.serve run …` (Rasa's venv): `rasa run` with the API token taken from the environment.

Rasa reads its token only from `--auth-token`, and a command-line argument is visible to every local user in the
process list. This launcher reads NONGHUI_RASA_TOKEN (or the file NONGHUI_RASA_TOKEN_FILE names), adds it to
Rasa's arguments inside the process (the process list keeps the original command line) and runs Rasa's CLI.
For `run` it also logs the start-up phases and warms the model up before the server accepts turns
(rasa_ext/warm_up.py).
"""

from __future__ import annotations

import sys
import time

from rasa_ext.wire import TOKEN_ENV, read_token

STARTED = time.monotonic()  # as early as this launcher can tell (before Rasa's imports)


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
    if argv[:1] == ["run"]:
        skip_unused_imports()
    from rasa.__main__ import main as rasa_main

    if argv[:1] == ["run"]:
        from rasa_ext.warm_up import install

        install(STARTED)
    rasa_main()


def skip_unused_imports() -> None:
    """Keep TensorFlow from importing JAX, which Rasa never uses (TensorFlow Lite imports it only when it is
    installed, and does without it otherwise): about 2.5 s of every start at load 6."""
    sys.modules.setdefault("jax", None)  # type: ignore[arg-type]  # None: "import jax" raises ImportError


if __name__ == "__main__":
    main()
