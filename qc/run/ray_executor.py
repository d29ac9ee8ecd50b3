"""``qc run --executor ray``: the calls of a batch analysed by actors of a Ray cluster.

Each actor builds the sources from the batch's :class:`~qc.run.workers.SourceRecipe` once and
keeps its models loaded from call to call; it asks Ray for ``cpu_threads`` CPUs (and, when
Whisper runs on CUDA, a share of a GPU: at most four actors to a card, as ``--workers auto`` on a
GPU), so Ray places every actor the driver hands calls to (:func:`actor_layout`). The driver
(this process) hands out at most two calls per actor at a time, calls ``started`` for each,
and yields the outcomes as they come back: scoring, the database and the pages stay here,
under the same skip-if-done and failure rules as a local run. Recordings are read by the
actors, so their paths must be the same on every node (a shared mount). Ray is an optional
extra (``pip install 'qc[ray]'``), imported only here.
"""

from __future__ import annotations

import math
import time
import traceback
from typing import Callable, Iterator, Optional, Sequence

from ..errors import CallError, ConfigError
from ..schema import CallAnalysis
from .executors import Outcome
from .plan import Task
from .workers import SourceRecipe, analyse_task, worker_init

IN_FLIGHT_PER_ACTOR = 2  # one working, one waiting: an actor never idles between two calls
ACTORS_PER_GPU = 4  # each holds its own models on the card (about 1.5 GB with whisper-base and pyannote)


def actor_layout(cpus: int, gpus: float, threads: int, workers: Optional[int], tasks: int,
                 gpu: bool) -> tuple[int, float]:
    """How many actors, and the share of a GPU each asks for, so that the cluster holds them all:
    an actor Ray cannot place never starts, and the calls handed to it would wait forever."""
    count = workers or max(1, cpus // threads)
    if gpu:
        if gpus <= 0:
            raise ConfigError("--device cuda with --executor ray: the Ray cluster has no GPU "
                              "(start its nodes with 'ray start --num-gpus N', or use --device cpu)")
        count = workers or max(1, min(count, int(ACTORS_PER_GPU * gpus)))
    count = max(1, min(count, tasks))
    share = min(1.0, math.floor(gpus / count * 10_000) / 10_000) if gpu else 0  # Ray counts 1e-4 of a GPU
    return count, share


class CallWorker:
    """The actor: one set of models, many calls."""

    def __init__(self, cpu_threads: int):
        worker_init(cpu_threads)

    def analyse(self, work, task: Task):
        try:
            return "ok", analyse_task(work, task)
        except Exception as exc:  # noqa: BLE001 - sent back to the driver, which records the failure
            return "error", (exc, traceback.format_exc())


class RayExecutor:
    name = "ray"

    def __init__(self, recipe: SourceRecipe, workers: Optional[int] = None, address: Optional[str] = None):
        self.recipe, self.workers, self.address = recipe, workers, address

    def _connect(self):
        try:
            import ray
        except ImportError:
            raise ConfigError("--executor ray needs Ray: pip install 'qc[ray]' (or pip install ray)") from None
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False,
                         ignore_reinit_error=True)
            except Exception as exc:  # ConnectionError and Ray's own types: one clear line
                raise ConfigError(f"cannot join the Ray cluster at {self.address or 'this machine'}: {exc}") from exc
        return ray

    def _actors(self, ray, threads: int, gpu_share: float, count: int):
        actor = ray.remote(CallWorker).options(num_cpus=threads, num_gpus=gpu_share, max_restarts=1)
        return [actor.remote(threads) for _ in range(count)]

    def execute(self, tasks: Sequence[Task], work: Callable[[Task], CallAnalysis],
                started: Callable[[Task], None]) -> Iterator[Outcome]:
        if not tasks:
            return
        ray = self._connect()
        resources = ray.cluster_resources()
        cpus = int(resources.get("CPU", 1))
        threads = max(1, min(self.recipe.cpu_threads or 2, 2)) if not self.workers else max(1, cpus // self.workers)
        count, gpu_share = actor_layout(cpus, resources.get("GPU", 0), threads, self.workers, len(tasks),
                                        self.recipe.audio.asr.device == "cuda")
        actors = self._actors(ray, threads, gpu_share, count)
        pending = list(reversed(tasks))
        running: dict = {}
        load = {i: 0 for i in range(count)}
        try:
            while pending or running:
                for i in sorted(load, key=load.get):
                    while pending and load[i] < IN_FLIGHT_PER_ACTOR:
                        task = pending.pop()
                        started(task)
                        running[actors[i].analyse.remote(work, task)] = (task, i, time.monotonic())
                        load[i] += 1
                ready, _ = ray.wait(list(running), num_returns=1)
                for ref in ready:
                    task, i, t0 = running.pop(ref)
                    load[i] -= 1
                    yield self._outcome(ray, ref, task, t0)
        finally:
            for ref in running:
                ray.cancel(ref, force=True)
            for actor in actors:
                ray.kill(actor)

    @staticmethod
    def _outcome(ray, ref, task: Task, t0: float) -> Outcome:
        seconds = time.monotonic() - t0
        try:
            kind, value = ray.get(ref)
        except Exception as exc:  # the actor died (node lost, out of memory): this call fails, the batch goes on
            return Outcome(task, None, CallError(f"the Ray worker analysing this call stopped: {exc}"), seconds)
        if kind == "error":
            error, text = value
            return Outcome(task, None, error, seconds, text)
        analysis, stages = value
        return Outcome(task, analysis, None, seconds, stages=stages)
