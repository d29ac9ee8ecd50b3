"""Which executor a batch gets: the settings of ``qc run --workers/--executor`` and the choice.

``local`` runs on this machine: one worker in this process, or a pool of worker processes
(:class:`~qc.run.executors.ProcessExecutor`); ``threads`` in threads of this process sharing
one set of models (:class:`~qc.run.executors.ThreadExecutor`); ``ray`` on the actors of a Ray
cluster (:mod:`qc.run.ray_executor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .executors import Executor, InProcessExecutor, ProcessExecutor, ThreadExecutor
from .workers import SourceRecipe, plan_workers

EXECUTORS = ("local", "threads", "ray")


@dataclass(frozen=True)
class ExecutionSettings:
    """How a batch's calls are spread: ``local`` (this machine: worker processes), ``threads``
    (this process) or ``ray`` (a Ray cluster)."""

    executor: str = "local"
    workers: Optional[int] = 1  # None: automatic (qc.run.workers.plan_workers)
    ray_address: Optional[str] = None  # None: a local Ray (or $RAY_ADDRESS)


def make_executor(settings: ExecutionSettings, recipe: SourceRecipe, todo: int) -> Executor:
    """The executor for ``todo`` calls to analyse: one worker in this process, a process pool, or Ray."""
    if settings.executor == "ray":
        from .ray_executor import RayExecutor

        return RayExecutor(recipe, settings.workers, settings.ray_address)
    device = recipe.audio.asr.device
    if device == "auto" and settings.workers is None:
        from ..analysis.asr import pick_device

        device = pick_device(device)[0]
    free_gib = None
    if device == "cuda" and settings.workers is None and todo > 1:
        from ..analysis.gpu import free_memory_gib

        free_gib = free_memory_gib()
    workers, threads = plan_workers(settings.workers, recipe.cpu_threads, todo, device, free_gib)
    if workers == 1:
        return InProcessExecutor()
    if settings.executor == "threads":
        return ThreadExecutor(workers, threads)
    return ProcessExecutor(workers, threads)
