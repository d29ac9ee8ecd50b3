"""Benchmark of qc's transcription: accuracy (CER/WER) and speed on ../shared/data.

It runs qc's own ``analyse_recording`` (decode, channel split, Whisper per channel, sentences
rebuilt from word timestamps), not plain faster-whisper, so the numbers are what a qc user
gets, losses from qc's own steps included. Stereo calls are scored per channel, which is
what the agent/customer attribution of every rule depends on. See bench/README.md.

    .venv/bin/python bench/transcription.py [--files REL ...] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NoReturn, Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # so `bench.metrics` imports the same way here and in tests

from bench.metrics import ErrorCount, cer, pooled, strip_utterance_id, wer  # noqa: E402
from qc.analysis.asr import AsrOptions, Transcriber, WhisperTranscriber, pick_device  # noqa: E402
from qc.errors import QcError  # noqa: E402
from qc.models import default_models_dir, resolve  # noqa: E402
from qc.sources.audio import AudioSettings, analyse_recording  # noqa: E402
from qc.schema import CallMeta, Transcript  # noqa: E402

CALL_GLOBS = ("simulated-from-real-zh/*.stereo8k.wav", "synthetic-tts-dialogues/*.stereo8k.wav")
REAL_ZH = ("FireRedASR/BAC009S0764W0121.wav", "FireRedTTS2/zh_S1.flac", "FireRedTTS2/zh_S2.flac",
           "wenet/aishell-BAC009S0724W0121.wav")
REAL_EN = ("joinly/OSR_us_000_0034_8k.wav", "openai-whisper/jfk.flac", "faster-whisper/stereo_diarization.wav")
REAL_ZH_CLIPS, ZH_CALLS = "real Mandarin clips", "Mandarin simulated+synthetic calls"
REAL_EN_RECORDINGS, EN_CALLS = "real English recordings", "English synthetic call"
# Pooled groups, in print order, with the issue's plain faster-whisper baselines in percent.
GROUPS = ((REAL_ZH_CLIPS, 14.4), (ZH_CALLS, 14.9), (REAL_EN_RECORDINGS, 13.6), (EN_CALLS, None))
BASELINE_NOTE = ("baseline: the issue's plain faster-whisper run (Whisper base int8, beam 5, VAD on, language set;\n"
                 "  RTF about 0.15-0.35 on 2 cores). Its English set seems to include the real telephone call\n"
                 "  pyannote-audio/sample.wav (19.8 % WER there), not the same files as here: see bench/README.md")


@dataclass(frozen=True)
class FileResult:
    file: str
    language: str
    layout: str
    audio_s: float
    wall_s: float
    cpu_s: float
    errors: ErrorCount
    errors_numbers_hanzi: Optional[ErrorCount]  # zh only
    channels: tuple[dict, ...]  # per channel: reference, hypothesis, edits

    @property
    def rtf(self) -> float:
        return self.wall_s / self.audio_s


def group_of(rel: str, language: str) -> Optional[str]:
    if rel in REAL_ZH:
        return REAL_ZH_CLIPS
    if rel in REAL_EN:
        return REAL_EN_RECORDINGS
    if rel.endswith(".stereo8k.wav") and rel.startswith(("simulated-from-real-zh/", "synthetic-tts-dialogues/")):
        return ZH_CALLS if language == "zh" else EN_CALLS
    return None


def default_files(data: Path) -> list[str]:
    calls = sorted(str(p.relative_to(data)) for pattern in CALL_GLOBS for p in data.glob(pattern))
    return [*REAL_ZH, *calls, *REAL_EN]


def languages(data: Path) -> dict[str, str]:
    """The data README's file table is the one place that says which language each file is in."""
    found = {}
    for line in (data / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 9 and cells[5] in ("zh", "en"):
            found[cells[0]] = cells[5]
    return found


def load_reference(audio: Path) -> dict[str, str]:
    """Reference text per channel key: ``left``/``right`` where each channel is one speaker
    (the keys qc gives stereo segments in layout stereo-agent-left), ``all`` otherwise."""
    stem = audio.with_name(audio.name.split(".")[0])
    sides = {side: stem.with_name(f"{stem.name}.{side}.txt") for side in ("left", "right")}
    if all(p.is_file() for p in sides.values()):
        return {side: p.read_text(encoding="utf-8").strip() for side, p in sides.items()}
    if stem.with_suffix(".json").is_file():
        call = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        turns = sorted(call["turns"], key=lambda t: t["start"])
        if ".stereo8k." in audio.name:
            return {side: " ".join(t["text"] for t in turns if t["spk"] == spk)
                    for side, spk in call["stereo8k_channels"].items()}
        return {"all": " ".join(t["text"] for t in turns)}
    if stem.with_suffix(".stm").is_file():
        rows = [line.split(maxsplit=5) for line in stem.with_suffix(".stm").read_text(encoding="utf-8").splitlines()]
        return {"all": " ".join(r[5] for r in sorted(rows, key=lambda r: float(r[3])) if len(r) == 6)}
    if stem.with_suffix(".txt").is_file():
        lines = stem.with_suffix(".txt").read_text(encoding="utf-8").splitlines()
        return {"all": " ".join(strip_utterance_id(line) for line in lines if line.strip())}
    raise FileNotFoundError(f"{audio}: no reference (.left/.right.txt, .json, .stm or .txt) beside it")


def hypothesis(transcript: Transcript, channel: str) -> str:
    """One channel's text in time order (the timeline is already sorted by start)."""
    return " ".join(s.text for s in transcript.segments if channel == "all" or s.speaker == channel)


def bench_file(rel: str, data: Path, language: str, transcriber: Transcriber, settings: AudioSettings) -> FileResult:
    path = data / rel
    reference = load_reference(path)
    meta = CallMeta(call_id=path.name.split(".")[0], path=str(path), language=language)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    analysis = analyse_recording(meta, settings, transcriber, language)
    wall_s, cpu_s = time.perf_counter() - wall0, time.process_time() - cpu0
    channels, plain, numbers = [], [], []
    for channel, ref in reference.items():
        hyp = hypothesis(analysis.transcript, channel)
        plain.append(cer(ref, hyp) if language == "zh" else wer(ref, hyp))
        if language == "zh":
            numbers.append(cer(ref, hyp, numbers_to_hanzi=True))
        channels.append({"channel": channel, "reference": ref, "hypothesis": hyp, **asdict(plain[-1])})
    return FileResult(rel, language, analysis.audio.layout, analysis.audio.duration_s, wall_s, cpu_s,
                      pooled(plain), pooled(numbers) if numbers else None, tuple(channels))


def percent(count: Optional[ErrorCount]) -> str:
    return "-" if count is None or count.rate is None else f"{100 * count.rate:.1f} %"


def print_files(results: list[FileResult]) -> None:
    width = max(len(r.file) for r in results)
    print(f"{'file':<{width}} {'lang':<4} {'layout':<17} {'audio s':>7} {'wall s':>7} {'cpu s':>7} {'RTF':>5} "
          f"{'metric':<6} {'rate':>7} {'edits/ref':>9} {'CER num→hanzi':>13}")
    for r in results:
        print(f"{r.file:<{width}} {r.language:<4} {r.layout:<17} {r.audio_s:7.2f} {r.wall_s:7.2f} {r.cpu_s:7.2f} "
              f"{r.rtf:5.2f} {'CER' if r.language == 'zh' else 'WER':<6} {percent(r.errors):>7} "
              f"{f'{r.errors.edits}/{r.errors.ref_units}':>9} {percent(r.errors_numbers_hanzi):>13}")


def totals(results: list[FileResult]) -> list[dict]:
    rows = []
    for name, baseline in GROUPS:
        members = [r for r in results if group_of(r.file, r.language) == name]
        if members:
            zh = members[0].language == "zh"
            rows.append({"group": name, "files": len(members), "metric": "CER" if zh else "WER",
                         "errors": pooled(r.errors for r in members),
                         "errors_numbers_hanzi": pooled(r.errors_numbers_hanzi for r in members) if zh else None,
                         "baseline_percent": baseline})
    return rows


def print_totals(rows: list[dict], results: list[FileResult], load_s: float, peak_rss_mb: float) -> None:
    if rows:
        print_groups(rows)
    audio_s, wall_s = sum(r.audio_s for r in results), sum(r.wall_s for r in results)
    print(f"\noverall RTF {wall_s / audio_s:.3f} ({wall_s:.1f} s wall, {sum(r.cpu_s for r in results):.1f} s CPU, "
          f"{audio_s:.1f} s audio); model load {load_s:.2f} s; peak RSS {peak_rss_mb:.0f} MB")
    print(BASELINE_NOTE)


def print_groups(rows: list[dict]) -> None:
    print(f"\n{'pooled over files':<36} {'files':>5} {'metric':<6} {'rate':>7} {'edits/ref':>9} "
          f"{'CER num→hanzi':>13} {'baseline':>8}")
    for row in rows:
        errors, baseline = row["errors"], row["baseline_percent"]
        print(f"{row['group']:<36} {row['files']:>5} {row['metric']:<6} {percent(errors):>7} "
              f"{f'{errors.edits}/{errors.ref_units}':>9} {percent(row['errors_numbers_hanzi']):>13} "
              f"{'-' if baseline is None else f'{baseline:.1f} %':>8}")


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark qc's transcription pipeline (CER/WER, speed).")
    parser.add_argument("--model", default="whisper-base", help="packaged name, model directory or hub id")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--beam-size", type=int, default=AsrOptions.beam_size)
    parser.add_argument("--files", nargs="+", metavar="REL", help="files relative to --data (default: see README)")
    default_data = Path(os.environ.get("QC_EVAL_DATA") or REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--data", type=Path, default=default_data,
                        help="evaluation data directory [default: $QC_EVAL_DATA or ../shared/data]")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write per-file results and totals as JSON")
    return parser.parse_args(argv)


def load_transcriber(args: argparse.Namespace, options: AsrOptions) -> tuple[WhisperTranscriber, str, float]:
    """Load the model before the first file, so per-file times are transcription only."""
    transcriber = WhisperTranscriber(options, resolve(args.model, default_models_dir()), cpu_threads=os.cpu_count())
    device, compute_type = pick_device(args.device)
    print(f"model {transcriber.model_path} on {device}/{compute_type}, beam {args.beam_size}, "
          f"{os.cpu_count()} threads; data {args.data}\n")
    t0 = time.perf_counter()
    transcriber.load()
    return transcriber, f"{device}/{compute_type}", time.perf_counter() - t0


def write_json(out: Path, options: AsrOptions, device: str, results: list[FileResult], rows: list[dict],
               load_s: float, peak_rss_mb: float, failed: list[tuple[str, str]]) -> None:
    report = {"settings": {**asdict(options), "device_used": device, "cpu_threads": os.cpu_count()},
              "files": [{**asdict(r), "rtf": r.rtf} for r in results],
              "totals": [{**row, "errors": asdict(row["errors"]),
                          "errors_numbers_hanzi": row["errors_numbers_hanzi"] and asdict(row["errors_numbers_hanzi"])}
                         for row in rows],
              "model_load_s": load_s, "peak_rss_mb": peak_rss_mb, "failed": failed}
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def fail(message: str) -> NoReturn:
    """A setup mistake: one line, and qc's exit code for configuration errors."""
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if not (args.data / "README.md").is_file():
        fail(f"evaluation data not found at {args.data}; set QC_EVAL_DATA or pass --data DIR")
    langs = languages(args.data)
    files = args.files or default_files(args.data)
    unknown = [f for f in files if f not in langs]
    if unknown:
        fail(f"no zh/en language in {args.data / 'README.md'} for: {', '.join(unknown)}")
    options = AsrOptions(model=args.model, device=args.device, beam_size=args.beam_size)
    try:
        transcriber, device, load_s = load_transcriber(args, options)
    except QcError as exc:
        fail(str(exc))
    settings = AudioSettings(asr=options)
    results, failed = [], []
    for rel in files:
        try:
            results.append(bench_file(rel, args.data, langs[rel], transcriber, settings))
        except (QcError, OSError) as exc:  # one unreadable file is reported, the rest still measured
            failed.append((rel, str(exc)))
    rows = totals(results)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    if results:
        print_files(results)
        print_totals(rows, results, load_s, peak_rss_mb)
    for rel, reason in failed:
        print(f"FAILED {rel}: {reason}", file=sys.stderr)
    if args.json:
        write_json(args.json, options, device, results, rows, load_s, peak_rss_mb, failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
