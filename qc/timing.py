"""Where a run's time goes: wall seconds per stage, summed per process.

Stages wrap themselves in ``with stage("asr"):``; a worker process hands its sums back with
each call (:func:`take`), the batch adds them up and ``qc -v run`` logs the table, which
``bench/throughput.py`` reads. Nested stages count once: time inside an inner stage is not
also counted in the outer one, so the sums add up to the time spent in stages.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

# The model calls; the rest is pipeline overhead. "vad" is Silero's network (ONNX), run on every
# channel for the silence and overtalk rules: a model call like the others.
MODEL_STAGES = ("asr", "language", "vad", "diarization", "rule-models")

_local = threading.local()
_lock = threading.Lock()
_totals: dict[str, float] = {}


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Count the wall time of the block under ``name`` (minus the time of stages nested in it)."""
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append(0.0)  # time taken by nested stages
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        nested = stack.pop()
        if stack:
            stack[-1] += elapsed
        add({name: elapsed - nested})


def add(times: dict[str, float]) -> None:
    with _lock:
        for name, seconds in times.items():
            _totals[name] = _totals.get(name, 0.0) + seconds


def take() -> dict[str, float]:
    """The sums so far, reset to zero (a worker sends them back with each call)."""
    with _lock:
        taken = dict(_totals)
        _totals.clear()
    return taken


def table(times: dict[str, float], wall_s: float) -> str:
    """One line: each stage's seconds and share of the wall time, the largest first."""
    parts = [f"{name} {seconds:.1f} s ({100 * seconds / wall_s:.0f} %)" if wall_s else f"{name} {seconds:.1f} s"
             for name, seconds in sorted(times.items(), key=lambda item: -item[1])]
    return ", ".join(parts)
