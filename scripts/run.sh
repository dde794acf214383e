#!/usr/bin/env bash
# Sets up (first time: venvs, model, index, Rasa model; afterwards only what changed) and runs the bot:
# Rasa server + action server + bot, with the web chat at http://127.0.0.1:8000 (and Telegram when
# TELEGRAM_BOT_TOKEN is set). Ctrl-C stops everything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
export NONGHUI_HOME="${NONGHUI_HOME:-$HOME/.cache/nonghui}"
cd "$ROOT"
PYTHONPATH="$ROOT" exec "$NONGHUI_HOME/py311/bin/python" -m bot.supervisor
