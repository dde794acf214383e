#!/usr/bin/env bash
# The quick checks without the setup: ruff (lint and format), mypy and the import-layer contracts (import-linter,
# contracts in pyproject.toml). Needs the venv that scripts/setup.sh built under $NONGHUI_HOME.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NONGHUI_HOME="${NONGHUI_HOME:-$HOME/.cache/nonghui}"
cd "$ROOT"
PY="$NONGHUI_HOME/py311/bin/python"
export PYTHONPATH="$ROOT"
echo "== ruff"
"$PY" -m ruff check .
"$PY" -m ruff format --check .
echo "== mypy"; "$PY" -m mypy core bot actions knowledge store loans rasa_ext
echo "== import layers"; "$NONGHUI_HOME/py311/bin/lint-imports"
