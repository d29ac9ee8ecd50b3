"""Peak memory and DER on a long mono call: one scripted dev dialogue repeated with sox.

The call is ``synthetic-tts-dialogues/dlg_zh_compliant.tel8k.wav`` (78 s, 8 kHz mu-law, two
voices) repeated to ``--minutes``, so the reference turns are known and the same two voices
run through the whole call. ``qc run`` processes it under ``/usr/bin/time -v`` (or with the
children's rusage when that tool is missing) and the script prints wall time, peak RSS and
the DER of the diarized turns (collar 0.25 s, overlap excluded), then the resident and peak
memory after each stage (``qc.memory`` log lines, :func:`qc.analysis.blocks.note_memory`), so
the stage that makes the peak shows. ``--diarization-only``
measures decoding and diarization alone, in blocks (the default) and, with ``--whole``, in
one piece as before.

    .venv/bin/python bench/long_call.py --minutes 120
    .venv/bin/python bench/long_call.py --minutes 30 --diarization-only [--whole]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from qc.analysis.diarize_options import DiarizationOptions  # noqa: E402

SOURCE = "synthetic-tts-dialogues/dlg_zh_compliant"


def data_dir() -> Path:
    return Path(os.environ.get("QC_EVAL_DATA") or REPO_ROOT.parent / "shared" / "data")


def make_call(minutes: float, folder: Path) -> tuple[Path, list[tuple[str, float, float]], float]:
    source = data_dir() / f"{SOURCE}.tel8k.wav"
    length = float(subprocess.run(["soxi", "-D", str(source)], capture_output=True, text=True, check=True).stdout)
    copies = max(1, round(minutes * 60 / length))
    target = folder / f"long-{copies}x.wav"
    subprocess.run(["sox", *[str(source)] * copies, str(target)], check=True)
    turns = []
    for line in (data_dir() / f"{SOURCE}.rttm").read_text().splitlines():
        f = line.split()
        turns.append((f[7], float(f[3]), float(f[3]) + float(f[4])))
    reference = [(sp, a + i * length, b + i * length) for i in range(copies) for sp, a, b in turns]
    return target, reference, copies * length


def der(reference, turns, duration_s: float) -> float:
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for annotation, rows in ((ref, reference), (hyp, turns)):
        for index, (speaker, start, end) in enumerate(rows):
            annotation[Segment(start, end), index] = speaker
    return DiarizationErrorRate(collar=0.25, skip_overlap=True)(ref, hyp, uem=Timeline([Segment(0, duration_s)]))


def timed(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, output) of a child process that imports qc from this tree.

    ``/usr/bin/time -v`` reports the largest resident set of any one process of the tree (here
    the Python process: ffmpeg decoding and report copies are children with their own)."""
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    if shutil.which("time") or Path("/usr/bin/time").exists():
        proc = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, env=env)
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        if found is None:  # time itself was killed
            raise SystemExit(f"failed ({proc.returncode}): {proc.stderr[-2000:]}")
        peak_kb = float(found.group(1))
    else:
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        raise SystemExit(f"failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return time.monotonic() - started, peak_kb / 1024, proc.stdout + proc.stderr


QC_WITH_MEMORY_LOG = """
import logging, sys
logging.getLogger("qc.memory").setLevel(logging.DEBUG)
from qc.cli import main
sys.argv[0] = "qc"
main()
"""

DIARIZE_ONLY = """
import json, logging, sys
logging.basicConfig(format="%(name)s: %(message)s")
logging.getLogger("qc.memory").setLevel(logging.DEBUG)
from qc.analysis.blocks import return_freed_memory
return_freed_memory()
from qc.analysis.audio import decode_audio
from qc.analysis.diarize import DiarizationOptions, Diarizer
from qc.analysis.vad import speech_regions
samples = decode_audio(sys.argv[1]).mono()
block_s = float(sys.argv[2])
options = DiarizationOptions(block_s=block_s, whole_up_to_s=min(block_s, 600.0))
turns = Diarizer(options).diarize(samples, num_speakers=2, speech=speech_regions(samples))
print("TURNS " + json.dumps([list(t) for t in turns]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=120)
    parser.add_argument("--diarization-only", action="store_true")
    parser.add_argument("--whole", action="store_true", help="with --diarization-only: one block, as before")
    parser.add_argument("--audio", choices=("copy", "none"), default="copy",
                        help="qc run's --audio: the MP3 copy for the pages (an ffmpeg child process) or none")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qc-long-") as tmp:
        folder = Path(tmp)
        path, reference, duration = make_call(args.minutes, folder)
        print(f"{path.name}: {duration / 60:.1f} min of 8 kHz mu-law mono")
        if args.diarization_only:
            block = "1e9" if args.whole else str(DiarizationOptions().block_s)
            wall, peak, out = timed([sys.executable, "-c", DIARIZE_ONLY, str(path), block])
            turns = [tuple(t) for t in json.loads(out.split("TURNS ", 1)[1].splitlines()[0])]
            what = "whole" if args.whole else f"in {DiarizationOptions().block_s:g} s blocks"
        else:
            out_dir = folder / "out"
            wall, peak, out = timed([sys.executable, "-c", QC_WITH_MEMORY_LOG, "run", str(path), "--out",
                                     str(out_dir), "--audio", args.audio, "--language", "zh"])
            [rttm] = (out_dir / "calls").glob("*.rttm")
            turns = [(f.split()[7], float(f.split()[3]), float(f.split()[3]) + float(f.split()[4]))
                     for f in rttm.read_text().splitlines()]
            what = f"qc run end to end (decode, VAD, Whisper base int8, diarization, scoring, pages, audio {args.audio})"
        print(f"{what}: wall {wall:.0f} s (RTF {wall / duration:.3f}), peak RSS {peak:.0f} MB, "
              f"{len({t[0] for t in turns})} speakers, DER {100 * der(reference, turns, duration):.1f} %")
        for line in out.splitlines():
            if "qc.memory" in line:
                print("  " + line.split("qc.memory: ", 1)[-1])


if __name__ == "__main__":
    main()
