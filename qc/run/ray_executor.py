"""``qc run --executor ray``: the calls of a batch analysed by actors of a Ray cluster.

Each actor builds the sources from the batch's :class:`~qc.run.workers.SourceRecipe` once and
keeps its models loaded from call to call; it asks Ray for ``cpu_threads`` CPUs (and a GPU
when Whisper runs on CUDA), so Ray places as many actors as the cluster holds. The driver
(this process) hands out at most two calls per actor at a time, calls ``started`` for each,
and yields the outcomes as they come back: scoring, the database and the pages stay here,
under the same skip-if-done and failure rules as a local run. Recordings are read by the
actors, so their paths must be the same on every node (a shared mount). Ray is an optional
extra (``pip install 'qc[ray]'``), imported only here.
"""

from __future__ import annotations

import time
import traceback
from typing import Callable, Iterator, Optional, Sequence

from ..errors import CallError, ConfigError
from ..schema import CallAnalysis
from .executors import Outcome
from .plan import Task
from .workers import SourceRecipe, analyse_task, worker_init

IN_FLIGHT_PER_ACTOR = 2  # one working, one waiting: an actor never idles between two calls


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

    def _actors(self, ray, threads: int, gpu: bool, count: int):
        actor = ray.remote(CallWorker).options(num_cpus=threads, num_gpus=1 if gpu else 0, max_restarts=1)
        return [actor.remote(threads) for _ in range(count)]

    def execute(self, tasks: Sequence[Task], work: Callable[[Task], CallAnalysis],
                started: Callable[[Task], None]) -> Iterator[Outcome]:
        if not tasks:
            return
        ray = self._connect()
        gpu = self.recipe.audio.asr.device == "cuda"
        cpus = int(ray.cluster_resources().get("CPU", 1))
        threads = max(1, min(self.recipe.cpu_threads or 2, 2)) if not self.workers else max(1, cpus // self.workers)
        count = self.workers or max(1, cpus // threads)
        count = max(1, min(count, len(tasks)))
        actors = self._actors(ray, threads, gpu, count)
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
