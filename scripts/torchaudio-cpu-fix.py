#!/usr/bin/env python3
"""Make ``import torchaudio`` (and so ``import pyannote.audio``) work under a CPU-only torch.

The problem: PyPI has no CPU build of torchaudio. Installing pyannote.audio next to a CPU
torch (``torch==2.13.0+cpu``) brings a torchaudio built against CUDA (e.g. ``2.11.0+cu130``),
whose native extension ``torchaudio/lib/_torchaudio.abi3.so`` links ``libc10_cuda.so``. The
import then dies with ``OSError: Could not load this library: .../_torchaudio.abi3.so``.

torchaudio is written to run without its native extension: when the library file is absent,
its loader reports "not available" and the pure-Python parts (all that pyannote.audio uses)
work. So this script moves the native libraries that cannot load into a subfolder
``torchaudio/lib/qc-disabled-cuda-extension/`` (with a note saying why) and checks that
torchaudio then imports.

It acts only when the problem is present: torch is a CPU build AND importing torchaudio fails
while loading a native library that needs CUDA. Otherwise it explains why it does nothing:
torchaudio absent, torchaudio importing fine (e.g. a CUDA torch with a matching torchaudio),
or a failure this script does not know how to fix (exit status 1, nothing touched).
Running it again after a fix finds torchaudio importing and does nothing (idempotent).

    python scripts/torchaudio-cpu-fix.py           # fix if needed, explain what was found
    python scripts/torchaudio-cpu-fix.py --check   # only report; exit 1 if the problem is present
    python scripts/torchaudio-cpu-fix.py --undo    # put the moved libraries back

Run it with the interpreter of the environment to fix (e.g. ``.venv/bin/python``). A later
``pip install --force-reinstall torchaudio`` restores the libraries; run this again after it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

DISABLED_DIR = "qc-disabled-cuda-extension"
NOTE = """These native libraries of torchaudio were moved here by qc's scripts/torchaudio-cpu-fix.py.
They are CUDA builds and cannot load next to the CPU-only torch of this environment
(torch {torch}, torchaudio {torchaudio}); with them in place `import torchaudio` fails.
Without them torchaudio runs its pure-Python parts, which is all pyannote.audio needs.
Put them back with: python scripts/torchaudio-cpu-fix.py --undo
"""

# Run in a fresh interpreter so a failed import here cannot leave half-loaded state behind.
_PROBE = r"""
import json, sys
out = {}
try:
    import torch
    out["torch"] = torch.__version__
    out["torch_cuda"] = torch.version.cuda
    out["torch_hip"] = getattr(torch.version, "hip", None)
except Exception as exc:
    out["torch_error"] = repr(exc)
    print(json.dumps(out)); sys.exit(0)
try:
    import torchaudio
    out["torchaudio"] = torchaudio.__version__
except Exception as exc:
    chain, e = [], exc
    while e is not None:
        chain.append(f"{type(e).__name__}: {e}")
        e = e.__cause__ or e.__context__
    out["torchaudio_error"] = " <- ".join(chain)
if "torchaudio_error" in out:
    import ctypes, pathlib
    lib = pathlib.Path(sys.argv[1])
    out["unloadable"] = {}
    for so in sorted(lib.glob("*.so")):
        try:
            ctypes.CDLL(str(so))
        except OSError as exc:
            out["unloadable"][so.name] = str(exc)
print(json.dumps(out))
"""


def probe(lib_dir: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(lib_dir)], capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"probe_error": (proc.stderr.strip().splitlines() or ["probe failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def torchaudio_dir() -> Path | None:
    """Where torchaudio is installed, found without importing it."""
    spec = importlib.util.find_spec("torchaudio")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def torchaudio_version_on_disk(package_dir: Path) -> str:
    version_file = package_dir / "version.py"
    for line in version_file.read_text().splitlines() if version_file.is_file() else ():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("'\"")
    return "unknown"


def needs_cuda(error: str) -> bool:
    text = error.lower()
    return any(name in text for name in ("libc10_cuda", "libtorch_cuda", "libcudart", "libcuda.", "libnv"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if the problem is present")
    parser.add_argument("--undo", action="store_true", help="move the disabled libraries back")
    args = parser.parse_args(argv)
    say = lambda text: print(f"torchaudio-cpu-fix: {text}")  # noqa: E731

    package_dir = torchaudio_dir()
    if package_dir is None:
        say("torchaudio is not installed in this environment: nothing to do")
        return 0
    lib_dir, disabled = package_dir / "lib", package_dir / "lib" / DISABLED_DIR
    if args.undo:
        return undo(lib_dir, disabled, say)

    found = probe(lib_dir)
    if "probe_error" in found or "torch_error" in found:
        say(f"cannot import torch ({found.get('torch_error') or found.get('probe_error')}); install torch first")
        return 1
    audio_version = found.get("torchaudio") or torchaudio_version_on_disk(package_dir)
    versions = f"torch {found['torch']}, torchaudio {audio_version}"
    if "torchaudio_error" not in found:
        extra = f" (its CUDA native libraries were set aside earlier, see {disabled})" if disabled.is_dir() else ""
        say(f"torchaudio imports cleanly ({versions}): nothing to do{extra}")
        return 0
    cpu_torch = found["torch_cuda"] is None and found["torch_hip"] is None
    cuda_libs = {name: err for name, err in found["unloadable"].items() if needs_cuda(err)}
    if not cpu_torch or not cuda_libs:
        say(f"'import torchaudio' fails ({versions}) for a reason this script does not fix:")
        say(f"  {found['torchaudio_error']}")
        say("  it only handles a CPU-only torch next to a CUDA build of torchaudio; nothing was changed")
        return 1
    say(f"problem present: {versions}; torch is a CPU build but torchaudio's native libraries need CUDA:")
    for name, err in cuda_libs.items():
        say(f"  {name}: {err}")
    if args.check:
        say("--check: nothing changed; run without --check to set those libraries aside")
        return 1
    disabled.mkdir(exist_ok=True)
    for name in cuda_libs:
        (lib_dir / name).rename(disabled / name)
    (disabled / "README.txt").write_text(NOTE.format(torch=found["torch"],
                                                     torchaudio=torchaudio_version_on_disk(package_dir)))
    after = probe(lib_dir)
    if "torchaudio_error" in after:
        say(f"torchaudio still fails after moving them ({after['torchaudio_error']}); putting them back")
        undo(lib_dir, disabled, say)
        return 1
    say(f"moved {', '.join(cuda_libs)} to {disabled}")
    say("torchaudio now imports without its native extension (pyannote.audio needs only its Python parts);"
        " undo with --undo")
    return 0


def undo(lib_dir: Path, disabled: Path, say) -> int:
    if not disabled.is_dir():
        say(f"nothing to undo: {disabled} does not exist")
        return 0
    for so in sorted(disabled.glob("*.so")):
        so.rename(lib_dir / so.name)
        say(f"restored {lib_dir / so.name}")
    (disabled / "README.txt").unlink(missing_ok=True)
    disabled.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
