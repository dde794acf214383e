#!/usr/bin/env bash
# Regenerates the exact-version lock files from the current venvs (after adding a dependency to them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
H="${NONGHUI_HOME:-$HOME/.cache/nonghui}"
{ echo "# Exact versions of the Python 3.11 venv (bot, actions, knowledge, store, tests). Regenerate with scripts/lock.sh."
  "$H/py311/bin/pip" freeze --exclude-editable | grep -v "@ file"; } > "$ROOT/scripts/lock-py311.txt"
{ echo "# Exact versions of the Python 3.10 venv that runs the Rasa server. Regenerate with scripts/lock.sh."
  "$H/rasa310/bin/pip" freeze --exclude-editable | grep -v "@ file"; } > "$ROOT/scripts/lock-rasa310.txt"
