"""Throughput side by side: the plain library pipeline and ``qc run`` on the same calls.

    .venv/bin/python bench/throughput.py [--calls 8] [--sets stereo mono] [--rounds 1] [--qc-args ...]
    .venv/bin/python bench/throughput.py --repeat 1000 [--sets stereo]

Calls: ``--calls`` of the labelled corpus (``$QC_BENCH_DATA``, rendered by ``make bench-data``),
half Mandarin, half English, as stereo 8 kHz files (the ``stereo`` set) and as their mono
8 kHz renderings (the ``mono`` set); without a corpus, the dev dialogues of ../shared/data.
For each set, in one invocation and alternating (plain, qc, plain, qc... over ``--rounds``),
each side runs as its own process from a cold start: the plain pipeline
(bench/plain_pipeline.py: faster-whisper per channel, plus pyannote's SpeakerDiarization
with its defaults for mono) and ``qc run`` with its defaults (pages and audio copies
included) on a fresh database, both given each call's language. Printed per run: audio
seconds, wall seconds, real-time factor (wall / audio), the ratio plain/qc of wall times,
peak RSS and PSS summed over the process and its workers and children (sampled from /proc
every 0.2 s; see PeakRss for why both), the
time by stage (qc's from ``qc -v``; the model stages are asr, language, diarization) and
the text error rate of each side against the references (CER for Mandarin, WER for
English, words of both parties pooled per call).

``--repeat N`` runs ``qc run`` alone on N calls (the set repeated under new call ids) and
prints, for each 100 calls, the lowest, median and highest summed RSS sampled while they ran
(a single sample catches one call's peak or a gap between calls), to show that memory stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from metrics import cer, pooled, wer  # noqa: E402
from qc.timing import MODEL_STAGES  # noqa: E402

QC = [sys.executable, "-m", "qc.cli"]
STAGE_LINE = re.compile(r"time by stage \(all workers, ([\d.]+) s wall\): (.*)")


def corpus_dir() -> Path:
    return Path(os.environ.get("QC_BENCH_DATA") or REPO_ROOT / "reports" / "bench-data" / "corpus")


def pick_calls(count: int) -> list[tuple[str, str, Path]]:
    """(call id, language, corpus dir) for ``count`` corpus calls, half per language, spread over industries."""
    corpus = corpus_dir()
    ids = sorted(p.name[:-len(".stereo8k.wav")] for p in corpus.glob("*.stereo8k.wav"))
    if not ids:
        raise SystemExit(f"no rendered corpus in {corpus}: run `make bench-data` (or set QC_BENCH_DATA)")
    by_language = {lang: [i for i in ids if i.startswith(lang + "-")] for lang in ("zh", "en")}
    chosen = []
    for lang, members in by_language.items():
        want = (count + (lang == "zh")) // 2
        step = max(1, len(members) // max(1, want))
        chosen += [(i, lang, corpus) for i in members[::step][:want]]
    return chosen


def reference(call_id: str, corpus: Path, role: str) -> str:
    """The reference words of ``role`` (agent, customer) or of both (all), in time order."""
    lines = [line.split(" ", 5) for line in (corpus / f"{call_id}.stm").read_text().splitlines() if line.count(" ") >= 5]
    return " ".join(parts[5].strip() for parts in lines if role in ("all", parts[2]))


class PeakRss:
    """Summed resident memory of a process and its descendants, sampled until stopped: RSS, and
    PSS (each page shared by n processes counted 1/n in each). RSS counts a page once per process
    that maps it: a child between fork and exec (qc starts ffmpeg for each call's decoding and
    audio copy) shows its parent's whole RSS for a moment, and worker processes each count the
    same libraries; PSS is what the processes together hold."""

    def __init__(self, pid: int):
        self.pid, self.peak_mb, self.now_mb, self.peak_pss_mb = pid, 0.0, 0.0, 0.0
        self._window: list[float] = []  # samples since the last window()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self, pid: int) -> list[int]:
        pids, todo = [], [pid]
        while todo:
            p = todo.pop()
            pids.append(p)
            for task in Path(f"/proc/{p}/task").glob("*/children"):
                try:
                    todo += [int(c) for c in task.read_text().split()]
                except OSError:
                    pass
        return pids

    def sample(self) -> float:
        total = proportional = 0
        for p in self._tree(self.pid):
            try:
                status = Path(f"/proc/{p}/status").read_text()
                rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
            except OSError:
                continue
            found = re.search(r"VmRSS:\s+(\d+) kB", status)
            total += int(found.group(1)) if found else 0
            found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
            proportional += int(found.group(1)) if found else 0
        self.now_mb = total / 1024
        self.peak_mb = max(self.peak_mb, self.now_mb)
        self.peak_pss_mb = max(self.peak_pss_mb, proportional / 1024)
        self._window.append(self.now_mb)
        return self.now_mb

    def window(self) -> tuple[float, float, float]:
        """(lowest, median, highest) of the samples since the last call: one sample is a moment of
        one call (a long call's peak or the gap between two), a window of 100 calls is comparable."""
        samples, self._window = sorted(self._window) or [self.now_mb], []
        return samples[0], samples[len(samples) // 2], samples[-1]

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def run_measured(command: list[str], on_line=None) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT)
    rss = PeakRss(proc.pid)
    err_lines: list[str] = []

    def read_err():
        for line in proc.stderr:
            err_lines.append(line)
            if on_line:
                on_line(line, rss)

    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    out = proc.stdout.read()
    proc.wait()
    reader.join()
    wall = time.perf_counter() - started
    peak = rss.stop()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command[:4])}... failed ({proc.returncode}):\n{''.join(err_lines)[-3000:]}")
    return {"wall_s": wall, "peak_mb": peak, "peak_pss_mb": rss.peak_pss_mb, "stdout": out,
            "stderr": "".join(err_lines)}


def prepare(calls, layout: str, folder: Path, repeat: int = 0) -> tuple[Path, float]:
    """A folder of links to the set's files and a manifest giving each call's language (and layout)."""
    suffix = "stereo8k" if layout == "stereo" else "tel8k"
    folder.mkdir(parents=True, exist_ok=True)
    rows, audio_s = ["call_id,file,language,channels_layout,started_at"], 0.0
    copies = max(1, -(-repeat // len(calls))) if repeat else 1
    n = 0
    for copy in range(copies):
        for call_id, lang, corpus in calls:
            if repeat and n >= repeat:
                break
            source = corpus / f"{call_id}.{suffix}.wav"
            name = f"{call_id}-{copy:04d}" if repeat else call_id
            # qc takes a folder's files in name order: copy first, so that every 100 calls hold the
            # same mix (named call first, the windows held different calls: zh after en)
            link = folder / (f"{copy:04d}-{call_id}.wav" if repeat else f"{name}.wav")
            if not link.exists():
                link.symlink_to(source)
            audio_s += float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                                             "csv=p=0", str(source)], capture_output=True, text=True).stdout)
            rows.append(f"{name},{link.name},{lang},{'stereo-agent-left' if layout == 'stereo' else 'mono'},"
                        f"2026-11-30T09:{n // 60 % 60:02d}:{n % 60:02d}")
            n += 1
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    return folder, audio_s


def run_plain(calls, layout: str, folder: Path, threads: int, vad: bool) -> dict:
    from qc import models

    model = models.resolve("whisper-base", models.default_models_dir())
    files = [f"{folder / (c[0] + '.wav')}:{c[1]}" for c in calls]
    result = run_measured([sys.executable, str(REPO_ROOT / "bench" / "plain_pipeline.py"), "--layout", layout,
                           "--model", str(model), "--models-dir", str(models.default_models_dir()),
                           "--threads", str(threads), *(["--vad"] if vad else []), *files])
    data = json.loads(result["stdout"].strip().splitlines()[-1])
    texts = {Path(path).name[:-4]: text for path, text in data["texts"].items()}
    return {**result, "stages": data["stages"], "texts": texts}


def run_qc(folder: Path, out: Path, qc_args: list[str], on_line=None) -> dict:
    result = run_measured([*QC, "-v", "run", str(folder), "--manifest", str(folder / "manifest.csv"),
                           "--out", str(out), "--db", str(out / "qc.sqlite"), *qc_args], on_line)
    stages = {}
    found = STAGE_LINE.search(result["stderr"])
    if found:
        for part in found.group(2).split(", "):
            name, seconds = re.match(r"(\S+) ([\d.]+) s", part).groups()
            stages[name] = float(seconds)
    texts = {}
    for path in (out / "calls").glob("*.json"):
        doc = json.loads(path.read_text())
        segments = doc.get("segments") or []
        texts[doc["call_id"]] = {role: " ".join(seg["text"] for seg in segments if role in ("all", seg.get("role")))
                                 for role in ("all", "agent", "customer")}
    return {**result, "stages": stages, "texts": texts}


def error_rate(calls, texts: dict, layout: str) -> str:
    """CER (zh) / WER (en) pooled over the calls: per channel on stereo, both parties in time order on mono."""
    roles = ("agent", "customer") if layout == "stereo" else ("all",)
    parts = []
    for lang, measure in (("zh", cer), ("en", wer)):
        counts = [measure(reference(c, corpus, role), texts.get(c, {}).get(role, ""))
                  for c, call_lang, corpus in calls if call_lang == lang for role in roles]
        if counts:
            parts.append(f"{'CER' if lang == 'zh' else 'WER'} {100 * pooled(counts).rate:.1f} %")
    return ", ".join(parts)


def stage_text(stages: dict, wall: float) -> str:
    shown = sorted(stages.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k} {v:.1f}" for k, v in shown if v >= 0.05) + f"  (wall {wall:.1f})"


def compare(args: argparse.Namespace, calls) -> None:
    threads = len(os.sched_getaffinity(0))
    for layout in args.sets:
        with tempfile.TemporaryDirectory(prefix=f"qc-throughput-{layout}-") as tmp:
            folder, audio_s = prepare(calls, layout, Path(tmp) / "calls")
            print(f"\n== {layout}: {len(calls)} calls, {audio_s:.1f} s of audio, {threads} cores ==", flush=True)
            rows = []
            for round_ in range(args.rounds):
                plain = run_plain(calls, layout, folder, threads, args.plain_vad)
                qc = run_qc(folder, Path(tmp) / f"out{round_}", args.qc_args)
                sides = [("plain", plain), ("qc", qc)]
                if args.one_worker:  # the memory-lean way: every call in one process
                    sides.append(("qc -w1", run_qc(folder, Path(tmp) / f"one{round_}", [*args.qc_args, "--workers", "1"])))
                for name, run in sides:
                    overhead = ""
                    if name.startswith("qc") and run["stages"]:
                        model_s = sum(run["stages"].get(s, 0.0) for s in MODEL_STAGES)
                        other = sum(v for k, v in run["stages"].items() if k not in MODEL_STAGES)
                        overhead = f"  overhead {100 * other / max(1e-9, other + model_s):.0f} % of stage time"
                    print(f"  round {round_ + 1} {name:6s}: wall {run['wall_s']:6.1f} s  RTF {run['wall_s'] / audio_s:.3f}"
                          f"  peak RSS {run['peak_mb']:6.0f} MB (PSS {run['peak_pss_mb']:5.0f})  {error_rate(calls, run['texts'], layout)}{overhead}", flush=True)
                    print(f"      stages (s): {stage_text(run['stages'], run['wall_s'])}", flush=True)
                rows.append((plain["wall_s"], qc["wall_s"], plain["peak_mb"], qc["peak_mb"], plain["peak_pss_mb"],
                             qc["peak_pss_mb"]))
            plain_s = sum(r[0] for r in rows) / len(rows)
            qc_s = sum(r[1] for r in rows) / len(rows)
            print(f"  {layout}: plain {plain_s:.1f} s, qc {qc_s:.1f} s: ratio plain/qc {plain_s / qc_s:.2f}; "
                  f"peak RSS plain {max(r[2] for r in rows):.0f} MB, qc {max(r[3] for r in rows):.0f} MB; "
                  f"peak PSS plain {max(r[4] for r in rows):.0f} MB, qc {max(r[5] for r in rows):.0f} MB", flush=True)


def repeat(args: argparse.Namespace, calls) -> None:
    layout = args.sets[0]
    with tempfile.TemporaryDirectory(prefix="qc-repeat-") as tmp:
        folder, audio_s = prepare(calls, layout, Path(tmp) / "calls", repeat=args.repeat)
        print(f"== qc run on {args.repeat} {layout} calls ({audio_s / 3600:.2f} h of audio) ==", flush=True)
        done = {"n": 0}

        def on_line(line: str, rss: PeakRss) -> None:
            if re.search(r"\] .*: (done|FAILED)", line):
                done["n"] += 1
                if done["n"] % 100 == 0:
                    low, median, high = rss.window()
                    print(f"  calls {done['n'] - 99:5d}-{done['n']:<5d}: RSS lowest {low:5.0f} MB, median {median:5.0f} MB, "
                          f"highest {high:5.0f} MB", flush=True)

        result = run_qc(folder, Path(tmp) / "out", args.qc_args, on_line)
        print(f"  wall {result['wall_s']:.0f} s, RTF {result['wall_s'] / audio_s:.3f}, peak RSS {result['peak_mb']:.0f} MB",
              flush=True)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--sets", nargs="+", choices=("stereo", "mono"), default=["stereo", "mono"])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--plain-vad", action="store_true", help="give the plain pipeline faster-whisper's VAD filter")
    parser.add_argument("--one-worker", action="store_true", help="also run qc with --workers 1 (one process)")
    parser.add_argument("--repeat", type=int, default=0, help="qc alone on this many calls; RSS every 100")
    parser.add_argument("--qc-args", nargs=argparse.REMAINDER, default=[], help="more `qc run` options (last)")
    args = parser.parse_args(argv)
    calls = pick_calls(args.calls)
    if args.repeat:
        repeat(args, calls)
    else:
        compare(args, calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
