"""Benchmark of qc's diarization: DER and speed on the two-speaker files of ../shared/data.

Runs ``qc.analysis.diarize.Diarizer`` (loaded once, warmed up on 10 s of the first file) on every
two-speaker recording with an RTTM reference, decoded by qc exactly as ``qc run`` decodes
it (16 kHz mono; the 8 kHz mu-law ``.tel8k`` renderings are upsampled). Scores with
pyannote.metrics inside each file's ``.uem`` (or the whole file when it has none):

* DER with ``collar=0.25`` (pyannote.metrics convention: 0.125 s each side of every
  reference boundary is not scored) and overlapping speech excluded: the issue's target;
* DER with no collar and overlap counted;
* its parts (confusion, missed speech, false alarm) as % of scored reference speech;
* real-time factor: wall seconds and process CPU seconds (all threads) per audio second.

Means are per-file means, for the call-like files (sample.wav, simulated and synthetic
calls, 16 kHz and tel8k), for the AMI meeting excerpts, and for the mono renderings of the
regression corpus (``make bench-data``; ``--source`` chooses dev, corpus or all). On the corpus it
also measures agent-role accuracy: which diarized speaker ``qc run`` calls the agent (bench/roles.py).
See bench/README.md.

    .venv/bin/python bench/diarization.py [--source dev|corpus|all] [--set segmentation_step=0.5 ...] [--json OUT]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from qc.analysis.audio import decode_audio  # noqa: E402
from qc.analysis.diarize import DiarizationOptions, Diarizer  # noqa: E402
from qc.analysis.vad import speech_regions  # noqa: E402
from qc.errors import QcError  # noqa: E402
from qc.media import SAMPLE_RATE_HZ  # noqa: E402

CALL_LIKE, MEETINGS, CORPUS = "call-like", "AMI meetings", "corpus"
CALL_FILES = ("pyannote-audio/sample.wav",)
CALL_GLOBS = ("simulated-from-real-zh/*.wav", "synthetic-tts-dialogues/*.wav")
AMI_FILES = ("pyannote-audio/ami_excerpts/dev00.wav", "pyannote-audio/ami_excerpts/dev01.wav")
ISSUE_BASELINE = ("baseline (issue 3): plain pyannote 4 pipeline, packaged weights, agglomerative clustering:\n"
                  "  call-like mean DER 7.1 % (worst 38 %, a tel8k synthetic call), about 0.23x real time")


@dataclass(frozen=True)
class FileResult:
    file: str
    group: str
    audio_s: float
    wall_s: float
    cpu_s: float
    speakers: int
    der: float  # collar 0.25, overlap excluded
    confusion: float
    missed: float
    false_alarm: float
    der_full: float  # no collar, overlap counted

    @property
    def rtf(self) -> float:
        return self.wall_s / self.audio_s

    @property
    def cpu_rtf(self) -> float:
        return self.cpu_s / self.audio_s


def default_files(data: Path) -> list[str]:
    calls = sorted(str(p.relative_to(data)) for pattern in CALL_GLOBS for p in data.glob(pattern)
                   if ".stereo8k." not in p.name)
    return [*CALL_FILES, *calls, *AMI_FILES]


def corpus_files(corpus: Path, ids=None) -> list[str]:
    """The mono renderings (16 kHz mix, 8 kHz mu-law) of every rendered corpus call, as paths."""
    return [str(p) for p in sorted(corpus.glob("*.wav")) if ".stereo8k." not in p.name
            and (corpus / f"{p.name.split('.')[0]}.rttm").is_file() and (not ids or p.name.split(".")[0] in ids)]


def group_of(rel: str) -> str:
    return CORPUS if Path(rel).is_absolute() else MEETINGS if "ami_excerpts/" in rel else CALL_LIKE


def reference(path: Path, duration_s: float):
    """RTTM turns as an Annotation, and the scored region (``.uem``, else the whole file)."""
    from pyannote.core import Annotation, Segment, Timeline

    stem = path.with_name(path.name.split(".")[0])
    annotation = Annotation(uri=stem.name)
    for line in stem.with_suffix(".rttm").read_text().splitlines():
        fields = line.split()
        if fields and fields[0] == "SPEAKER":
            start, length = float(fields[3]), float(fields[4])
            annotation[Segment(start, start + length), len(annotation)] = fields[7]
    uem_path = stem.with_suffix(".uem")
    regions = ([Segment(float(f[2]), float(f[3])) for f in (line.split() for line in uem_path.read_text().splitlines())
                if len(f) >= 4] if uem_path.is_file() else [Segment(0, duration_s)])
    return annotation, Timeline(regions, uri=stem.name)


def score(ref, uem, turns) -> dict:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    hyp = Annotation(uri=ref.uri)
    for index, (speaker, start, end) in enumerate(turns):
        hyp[Segment(start, end), index] = speaker
    target = DiarizationErrorRate(collar=0.25, skip_overlap=True)(ref, hyp, uem=uem, detailed=True)
    full = DiarizationErrorRate(collar=0.0, skip_overlap=False)(ref, hyp, uem=uem)
    total = target["total"] or 1.0
    return {"der": target["diarization error rate"], "confusion": target["confusion"] / total,
            "missed": target["missed detection"] / total, "false_alarm": target["false alarm"] / total,
            "der_full": full}


def bench_file(rel: str, data: Path, diarizer: Diarizer, num_speakers: Optional[int]) -> FileResult:
    path = data / rel  # a corpus file is an absolute path, which the division keeps
    samples = decode_audio(path).mono()
    duration_s = len(samples) / SAMPLE_RATE_HZ
    ref, uem = reference(path, duration_s)
    speech = speech_regions(samples)  # as qc run gives it: blocks of long calls, speech in no turn
    wall0, cpu0 = time.perf_counter(), time.process_time()
    turns = diarizer.diarize(samples, num_speakers=num_speakers, speech=speech)
    wall_s, cpu_s = time.perf_counter() - wall0, time.process_time() - cpu0
    return FileResult(Path(rel).name if Path(rel).is_absolute() else rel, group_of(rel), duration_s, wall_s, cpu_s, len({t[0] for t in turns}),
                      **score(ref, uem, turns))


def pct(value: float) -> str:
    return f"{100 * value:5.1f}"


def print_results(results: list[FileResult]) -> None:
    width = max(len(r.file) for r in results)
    print(f"{'file':<{width}} {'audio s':>7} {'spk':>3} {'DER':>5} {'conf':>5} {'miss':>5} {'FA':>5} "
          f"{'DER0':>5} {'wall s':>6} {'cpu s':>6} {'RTF':>5} {'cpuRTF':>6}")
    for r in results:
        print(f"{r.file:<{width}} {r.audio_s:7.1f} {r.speakers:3d} {pct(r.der)} {pct(r.confusion)} {pct(r.missed)} "
              f"{pct(r.false_alarm)} {pct(r.der_full)} {r.wall_s:6.1f} {r.cpu_s:6.1f} {r.rtf:5.3f} {r.cpu_rtf:6.3f}")
    print("\nDER: collar 0.25, overlap excluded (the target); conf/miss/FA: its parts; DER0: no collar, overlap "
          "counted; all in %")
    for name, row in means(results).items():
        print(f"mean {name:<13} ({row['files']:2d} files): DER {pct(row['der'])} %  (worst {pct(row['worst_der'])}), "
              f"conf {pct(row['confusion'])}, miss {pct(row['missed'])}, FA {pct(row['false_alarm'])}, "
              f"DER0 {pct(row['der_full'])} %; RTF {row['rtf']:.3f} wall, {row['cpu_rtf']:.3f} CPU")


def means(results: list[FileResult]) -> dict[str, dict]:
    out = {}
    groups = [(name, [r for r in results if r.group == name]) for name in (CALL_LIKE, MEETINGS, CORPUS)]
    groups += [(f"{CORPUS} {kind}", [r for r in results if r.group == CORPUS and (".tel8k." in r.file) == (kind == "tel8k")])
               for kind in ("tel8k", "16k")]
    for name, rows in groups:
        if rows:
            avg = lambda key: sum(getattr(r, key) for r in rows) / len(rows)  # noqa: E731
            out[name] = {"files": len(rows), "der": avg("der"), "worst_der": max(r.der for r in rows),
                         "confusion": avg("confusion"), "missed": avg("missed"), "false_alarm": avg("false_alarm"),
                         "der_full": avg("der_full"), "rtf": avg("rtf"), "cpu_rtf": avg("cpu_rtf")}
    return out


def parse_options(pairs: list[str]) -> DiarizationOptions:
    """``--set field=value`` pairs into DiarizationOptions, typed by each field's default."""
    defaults = DiarizationOptions()
    fields = {f.name: f for f in dataclasses.fields(DiarizationOptions)}
    changes = {}
    for pair in pairs:
        key, _, text = pair.partition("=")
        if key not in fields:
            fail(f"--set {pair}: unknown option {key!r}; known: {', '.join(fields)}")
        kind = type(getattr(defaults, key))
        try:
            changes[key] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
        except ValueError:
            fail(f"--set {pair}: {key} should be a {kind.__name__}")
    return dataclasses.replace(defaults, **changes)


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark qc's diarization (DER, speed).")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override a DiarizationOptions field (repeatable), e.g. segmentation_step=0.5")
    parser.add_argument("--pipeline-dir", type=Path, help="benchmark a pyannote pipeline directory (config.yaml) "
                                                          "instead of qc's default build")
    parser.add_argument("--num-speakers", type=int, default=2, help="0: let the clustering decide")
    parser.add_argument("--files", nargs="+", metavar="REL", help="files relative to --data (default: all)")
    default_data = Path(os.environ.get("QC_EVAL_DATA") or REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--data", type=Path, default=default_data,
                        help="evaluation data directory [default: $QC_EVAL_DATA or ../shared/data]")
    parser.add_argument("--source", choices=("dev", "corpus", "all"), default="all",
                        help="dev: ../shared/data; corpus: the rendered regression corpus [default: all]")
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("QC_BENCH_DATA") or
                                                            REPO_ROOT / "reports" / "bench-data" / "corpus"),
                        help="rendered corpus [default: $QC_BENCH_DATA or reports/bench-data/corpus]")
    parser.add_argument("--calls", nargs="+", metavar="ID", help="only these corpus calls")
    parser.add_argument("--no-roles", action="store_true", help="skip the agent-role accuracy (qc run on the corpus)")
    parser.add_argument("--no-der", action="store_true", help="only the agent-role accuracy, no DER")
    parser.add_argument("--stored", action="store_true",
                        help="corpus DER of the turns qc run stored in --db (after bench/verdicts.py), no diarization run")
    parser.add_argument("--db", type=Path, default=REPO_ROOT / "reports" / "bench" / "verdicts.sqlite",
                        help="qc database for the role runs, shared with bench/verdicts.py")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write settings and per-file results as JSON")
    return parser.parse_args(argv)


def fail(message: str) -> NoReturn:
    print(f"bench/diarization.py: {message}", file=sys.stderr)
    sys.exit(2)


def run_der(files: list[str], args: argparse.Namespace, options: DiarizationOptions,
            num_speakers: Optional[int]) -> tuple[list[FileResult], list[str]]:
    diarizer = Diarizer.from_pipeline_dir(args.pipeline_dir) if args.pipeline_dir else Diarizer(options)
    t0 = time.perf_counter()
    try:
        diarizer.load()
        diarizer.diarize(decode_audio(args.data / files[0]).mono()[:160000], num_speakers=num_speakers)  # warm-up
    except QcError as exc:
        fail(str(exc))
    load_s = time.perf_counter() - t0
    print(f"settings: {args.pipeline_dir or json.dumps(dataclasses.asdict(options))}; num_speakers {num_speakers}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; load + warm-up {load_s:.1f} s\n")
    results, failed = [], []
    for number, rel in enumerate(files, 1):
        try:
            results.append(bench_file(rel, args.data, diarizer, num_speakers))
            print(f"[{number}/{len(files)}] {results[-1].file}: DER {pct(results[-1].der)} %", file=sys.stderr,
                  flush=True)  # a long run shows its progress (the table comes at the end)
        except Exception as exc:  # one file's failure never stops the benchmark
            failed.append(rel)
            print(f"{rel}: FAILED: {exc!r}", file=sys.stderr)
    return results, failed


def stored_der(files: list[str], db: Path) -> tuple[list[FileResult], list[str]]:
    """DER of the turns ``qc run`` stored for each corpus file in ``db`` (bench/verdicts.py's run):
    what qc really produced, with its voice activity, in seconds instead of a diarization run."""
    import sqlite3

    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    results, missing = [], []
    for rel in files:
        row = connection.execute("SELECT analysis, processing_s FROM calls WHERE path = ? AND status = 'ok' "
                                 "AND superseded = 0 ORDER BY updated_at DESC LIMIT 1", (str(rel),)).fetchone()
        if row is None:
            missing.append(rel)
            continue
        analysis = json.loads(row[0])
        turns = [tuple(turn) for turn in analysis["diarization"]["turns"]]
        duration_s = analysis["audio"]["duration_s"]
        ref, uem = reference(Path(rel), duration_s)
        results.append(FileResult(Path(rel).name, group_of(rel), duration_s, row[1] or 0.0, row[1] or 0.0,
                                  len({t[0] for t in turns}), **score(ref, uem, turns)))
    return results, missing


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if not (args.data / "README.md").is_file():
        fail(f"evaluation data not found at {args.data} (set QC_EVAL_DATA or put shared/ beside the repo)")
    files = args.files or (default_files(args.data) if args.source in ("dev", "all") else [])
    if args.source in ("corpus", "all") and not args.files:
        found = corpus_files(args.corpus, args.calls)
        if not found and args.source == "corpus":
            fail(f"no rendered corpus at {args.corpus}: run `make bench-data` (or set QC_BENCH_DATA)")
        if not found:
            print(f"(no rendered corpus at {args.corpus}: dev files only; `make bench-data` renders it)")
        files += found
    missing = [rel for rel in files if not (args.data / rel).is_file()]
    if missing:
        fail(f"not in {args.data}: {', '.join(missing)}")
    options = parse_options(args.set)
    num_speakers = args.num_speakers or None
    if args.stored:
        results, failed = stored_der([rel for rel in files if group_of(rel) == CORPUS], args.db)
        print(f"DER of the turns stored in {args.db} (wall and cpu s: qc's whole analysis of the call)\n")
    else:
        results, failed = ([], []) if args.no_der else run_der(files, args, options, num_speakers)
    if results:
        print_results(results)
        print(ISSUE_BASELINE)
    roles, no_role = [], []
    if any(group_of(rel) == CORPUS for rel in files) and not args.no_roles:
        from bench.roles import mono_calls, print_roles, role_accuracy

        t1 = time.perf_counter()
        roles, no_role = role_accuracy(mono_calls(args.corpus, args.calls), args.corpus, args.db)
        print_roles(roles, no_role)
        print(f"(qc run for the roles took {time.perf_counter() - t1:.0f} s)")
    print(f"load average at the end {os.getloadavg()[0]:.1f} (timings are only comparable on an idle machine)")
    if args.json:
        args.json.write_text(json.dumps({
            "settings": str(args.pipeline_dir) if args.pipeline_dir else dataclasses.asdict(options),
            "num_speakers": num_speakers, "files": [{**dataclasses.asdict(r), "rtf": r.rtf, "cpu_rtf": r.cpu_rtf}
                                                    for r in results],
            "means": means(results), "failed": failed,
            "roles": [{**dataclasses.asdict(r), "agent_right": r.agent_right, "time_share": r.time_share}
                      for r in roles], "no_role": no_role},
            indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
