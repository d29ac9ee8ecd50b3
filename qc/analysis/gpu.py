"""What each model runtime sees of the GPU, and the CUDA library qc finds for ctranslate2.

Whisper runs on ctranslate2, diarization on torch; each finds CUDA on its own, so each is
asked (``qc devices`` prints both answers). ctranslate2 4.8's Linux wheel carries its CUDA
runtime and kernels but opens cuBLAS for CUDA 12 (``libcublas.so.12``) by name when a model
first runs on the GPU; it needs no cuDNN. torch's default Linux wheel (2.13.0: CUDA 13.0)
brings CUDA 13 libraries, which do not serve it, so ``make setup GPU=1`` installs
``nvidia-cublas-cu12`` into the environment. The dynamic loader does not look there:
:func:`load_cublas` loads it by path first, and ctranslate2's later request by name finds the
library already loaded (torch does the same for the CUDA wheels it depends on).
"""

from __future__ import annotations

import ctypes
import functools
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

CUBLAS = "libcublas.so.12"
CUBLAS_LT = "libcublasLt.so.12"  # libcublas.so.12 needs it beside itself
CUBLAS_HINT = ("pip install 'nvidia-cublas-cu12>=12.8,<13' into qc's environment (make setup GPU=1 does), "
               "or put a CUDA 12 libcublas.so.12 on LD_LIBRARY_PATH; see README, GPU")


@dataclass(frozen=True)
class RuntimeView:
    """One model runtime's answer: where its models would run, and why."""

    serves: str  # which of qc's models run on it
    runtime: str  # library and version, with the CUDA it was built for
    device: str  # cpu | cuda
    detail: str  # the GPU when cuda, the reason when cpu
    visible: int = 0  # CUDA devices the library sees, usable or not

    def line(self) -> str:
        return f"{self.serves:<12} {self.runtime}: {self.device} ({self.detail})"


def pip_cublas_dirs(search_path: Iterable[str]) -> list[Path]:
    """Folders of the ``nvidia-cublas-cu12`` wheel under the given import roots (``sys.path``)."""
    found = []
    for root in search_path:
        lib = Path(root or ".") / "nvidia" / "cublas" / "lib"
        if (lib / CUBLAS).is_file() and lib not in found:
            found.append(lib)
    return found


@functools.cache
def load_cublas() -> Optional[str]:
    """Make cuBLAS 12 loadable for ctranslate2; return where it was found, or None when it is nowhere."""
    try:
        ctypes.CDLL(CUBLAS)
        return "the system's library path"
    except OSError:
        pass
    for lib in pip_cublas_dirs(sys.path):
        try:
            ctypes.CDLL(str(lib / CUBLAS_LT), mode=ctypes.RTLD_GLOBAL)
            ctypes.CDLL(str(lib / CUBLAS), mode=ctypes.RTLD_GLOBAL)
            return str(lib)
        except OSError:
            continue
    return None


@functools.cache
def ctranslate2_view() -> RuntimeView:
    """Whisper's runtime: CUDA only when it sees a GPU and cuBLAS 12 loads."""
    import ctranslate2

    runtime = f"ctranslate2 {ctranslate2.__version__}"
    gpus = ctranslate2.get_cuda_device_count()
    if gpus == 0:
        return RuntimeView("whisper", runtime, "cpu", "no CUDA device is visible to ctranslate2")
    found = load_cublas()
    if found is None:
        return RuntimeView("whisper", runtime, "cpu", f"{gpus} CUDA device(s) visible, but {CUBLAS} (cuBLAS for "
                                                      f"CUDA 12) cannot be loaded: {CUBLAS_HINT}", gpus)
    return RuntimeView("whisper", runtime, "cuda", f"{gpus} device(s), cuBLAS 12 from {found}", gpus)


def torch_view() -> RuntimeView:
    """Diarization's runtime (pyannote on torch)."""
    import torch

    built = f", CUDA {torch.version.cuda}" if torch.version.cuda else ", CPU-only build"
    runtime = f"torch {torch.__version__}{built}"
    if not torch.version.cuda:
        return RuntimeView("diarization", runtime, "cpu", "this torch has no CUDA; make setup GPU=1 installs one")
    if not torch.cuda.is_available():
        return RuntimeView("diarization", runtime, "cpu", "no CUDA device is visible to torch")
    gpus, props = torch.cuda.device_count(), torch.cuda.get_device_properties(0)
    return RuntimeView("diarization", runtime, "cuda",
                       f"{gpus} device(s), {props.name}, {props.total_memory / 2**30:.0f} GiB", gpus)


def free_memory_gib(run=subprocess.run) -> Optional[float]:
    """Free memory of the first GPU in GiB, as nvidia-smi reads it; None when it cannot be read."""
    try:
        done = run(["nvidia-smi", "--query-gpu=memory.free", "--format=csv,noheader,nounits"],
                   capture_output=True, text=True, timeout=10)
        if done.returncode == 0:
            return int(done.stdout.split()[0]) / 1024
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        pass
    return None


def runtime_views() -> list[RuntimeView]:
    return [ctranslate2_view(), torch_view()]
