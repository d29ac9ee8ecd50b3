"""What a worker needs to analyse calls, as plain data, and the function it runs.

The batch builds its sources from a :class:`SourceRecipe` in this process; a worker process
or a Ray actor receives the same recipe (it pickles: settings and paths, no model, no
database) and builds its own sources once, on its first call. Each worker loads its own
models, with ``cpu_threads`` threads each, so ``workers x cpu_threads`` is the CPU it uses.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from .. import timing
from ..schema import CallAnalysis, Hook, no_hook
from .plan import Task


@dataclass(frozen=True)
class SourceRecipe:
    audio: object  # qc.sources.audio.AudioSettings
    model_path: Optional[str]  # the resolved Whisper model (a directory or a hub id); None: resolved on need
    models_dir: str
    cpu_threads: int = 0  # 0: every core of the machine
    parallel: int = 1  # calls analysed at once with these models (threads sharing one Whisper: num_workers)


def build_sources(recipe: SourceRecipe, hook: Hook = no_hook) -> dict:
    """The sources by kind; models are created on a call's first need, once per process."""
    from ..sources.audio import AudioSource
    from ..sources.chat import ChatSource

    audio = recipe.audio
    return {AudioSource.kind: AudioSource(audio, _transcriber(recipe), _diarizer(recipe, hook)),
            ChatSource.kind: ChatSource()}


def _transcriber(recipe: SourceRecipe):
    @functools.cache
    def transcriber():
        from .. import models
        from ..analysis.asr import WhisperTranscriber

        model_path = recipe.model_path or models.resolve(recipe.audio.asr.model, Path(recipe.models_dir))
        return WhisperTranscriber(recipe.audio.asr, model_path, cpu_threads=recipe.cpu_threads,
                                  num_workers=recipe.parallel)

    return transcriber


def _diarizer(recipe: SourceRecipe, hook: Hook):
    audio = recipe.audio
    if not audio.diarize:
        return lambda: None

    @functools.cache
    def diarizer():
        from ..analysis.diarize import Diarizer

        if audio.diarization_pipeline:
            return Diarizer.from_pipeline_dir(audio.diarization_pipeline, audio.diarization.device, hook=hook)
        return Diarizer(audio.diarization, Path(recipe.models_dir), hook=hook)

    return diarizer


_worker_threads = 0  # set in a worker process: its share of the cores
_process_sources: dict = {}  # a worker's sources (and so its loaded models), by recipe


class SourceWork:
    """``work(task) -> CallAnalysis``, for any executor: in this process it uses the batch's own
    sources; pickled into a worker it keeps only the recipe and builds the sources there."""

    def __init__(self, recipe: SourceRecipe, sources: Optional[dict] = None):
        self.recipe = recipe
        self._sources = sources

    def __getstate__(self):
        return {"recipe": self.recipe, "_sources": None}

    def shared_by(self, calls: int, cpu_threads: int) -> "SourceWork":
        """The same work for ``calls`` threads of this process at once, with models built for that
        (a Whisper replica per call, ``cpu_threads`` each)."""
        recipe = replace(self.recipe, cpu_threads=cpu_threads, parallel=calls)
        return SourceWork(recipe, build_sources(recipe))

    def __call__(self, task: Task) -> CallAnalysis:
        if self._sources is None:  # in a worker: built once per process, whatever the pickled copies
            recipe = replace(self.recipe, cpu_threads=_worker_threads or self.recipe.cpu_threads)
            if recipe not in _process_sources:
                _process_sources.clear()
                _process_sources[recipe] = build_sources(recipe)
            self._sources = _process_sources[recipe]
        return self._sources[task.source].analyse(task.meta, task.language)


def worker_init(cpu_threads: int) -> None:
    """In a new worker process (or Ray actor): its share of the cores for every library, freed
    memory handed back to the system, and Ctrl-C left to the batch (which stops the workers itself)."""
    import signal

    from ..analysis.blocks import return_freed_memory

    global _worker_threads
    _worker_threads = cpu_threads
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return_freed_memory()  # as the batch process does: freed blocks go back, no heap growing call by call
    if cpu_threads:  # read by torch (pyannote) and onnxruntime when they load, later, if a call needs them
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[name] = str(cpu_threads)


def analyse_task(work: SourceWork, task: Task) -> tuple[CallAnalysis, dict]:
    """Run in a worker: the analysis and the worker's time per stage for it."""
    timing.take()
    analysis = work(task)
    return analysis, timing.take()


def usable_cores() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


GPU_WORKER_CORES = 4  # on a GPU machine, a worker per four cores ...
GPU_MAX_WORKERS = 4  # ... at most four ...
GPU_WORKER_GIB = 6.0  # ... and six GiB of free GPU memory each: large-v3 float16 at batch 8 with pyannote


def plan_workers(requested: Optional[int], cores: int, todo: int, device: str,
                 gpu_free_gib: Optional[float] = None) -> tuple[int, int]:
    """(workers, threads per worker). ``requested`` None is automatic: on a GPU a worker per four
    cores, at most four and no more than ``gpu_free_gib`` holds at six GiB each, sharing the card
    (each holds its own models; on an H200 with 16 cores four workers ran mono calls at 54x real
    time against 23x for one: bench/README.md, GPU); on CPU one process per core pair (two threads
    each) or, on two cores, two single-threaded processes (measured faster than one with two
    threads: bench/throughput.py); never more workers than calls to analyse, and one when there
    is only one."""
    cores = max(1, cores)
    if requested is None:
        if todo < 2:
            requested = 1
        elif device == "cuda":
            room = GPU_MAX_WORKERS if gpu_free_gib is None else int(gpu_free_gib // GPU_WORKER_GIB)
            requested = max(1, min(GPU_MAX_WORKERS, cores // GPU_WORKER_CORES, room))
        else:
            requested = cores if cores <= 2 else cores // 2
    workers = max(1, min(requested, max(1, todo)))
    return workers, max(1, cores // workers)
