"""Executors run the analysis of planned calls: the table the batch picks from.

An executor takes the planned tasks and a ``work(task) -> CallAnalysis`` function and
yields one :class:`Outcome` per task, in any order, as each finishes; it calls
``started(task)`` in the recording process before the task's work begins (so a crash
leaves the call marked ``processing``, and the next run retries it). It never writes the
store and never decides what a failure means: the batch records outcomes, in one
process. ``local`` runs in this process with one worker, else in a pool of worker processes
(:class:`ProcessExecutor`); ``threads`` in threads of this process that share one set of
models (:class:`ThreadExecutor`); ``ray`` (:mod:`qc.run.ray_executor`) on a Ray cluster. Each
outcome of a worker process carries its time per stage (:mod:`qc.timing`).
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional, Protocol, Sequence

from .. import timing
from ..errors import CallError
from ..schema import CallAnalysis
from .plan import Task
from .workers import analyse_task, worker_init


@dataclass(frozen=True)
class Outcome:
    task: Task
    analysis: Optional[CallAnalysis]
    error: Optional[BaseException] = None
    seconds: float = 0.0
    traceback: str = ""
    stages: dict = field(default_factory=dict)  # the worker's seconds per stage for this call


class Executor(Protocol):
    def execute(self, tasks: Sequence[Task], work: Callable[[Task], CallAnalysis],
                started: Callable[[Task], None]) -> Iterator[Outcome]: ...


class InProcessExecutor:
    """One call after another, in this process (models stay loaded between calls)."""

    name = "in-process"

    def execute(self, tasks: Sequence[Task], work: Callable[[Task], CallAnalysis],
                started: Callable[[Task], None]) -> Iterator[Outcome]:
        for task in tasks:
            started(task)
            t0 = time.monotonic()
            try:
                analysis = work(task)
            except Exception as exc:  # noqa: BLE001 - the recorder decides what each failure means
                yield Outcome(task, None, exc, time.monotonic() - t0, traceback.format_exc())
                continue
            yield Outcome(task, analysis, None, time.monotonic() - t0)


class ThreadExecutor:
    """Calls side by side in ``workers`` threads of this process, sharing its models.

    The work's models must allow it: Whisper is loaded with one CTranslate2 replica per thread
    (``num_workers``), which runs with the GIL released, and the diarizer takes one call at a
    time. Memory is one process's plus a model replica and a call per thread, but the Python
    parts of decoding share one interpreter: on 6 stereo corpus calls and 2 cores, 49.1 s and
    642 MB against 85.5 s / 538 MB in one process and 39.8 s / 1,251 MB with two worker
    processes (bench/README.md, Throughput). At most ``workers + ahead`` calls are handed out at
    a time. The threads are daemons: a stopped batch
    (a signal) does not wait for the calls in progress, which the next run retries. A crash of
    the process (a segfault in a library) ends every call in progress, unlike worker processes.
    """

    name = "threads"

    def __init__(self, workers: int, cpu_threads: int = 1, ahead: int = 1):
        self.workers, self.cpu_threads, self.ahead = workers, cpu_threads, ahead

    def execute(self, tasks: Sequence[Task], work: Callable[[Task], CallAnalysis],
                started: Callable[[Task], None]) -> Iterator[Outcome]:
        shared_by = getattr(work, "shared_by", None)  # a batch's SourceWork: models made for threads
        if shared_by is not None:
            work = shared_by(self.workers, self.cpu_threads)
        todo: queue.Queue = queue.Queue()
        done: queue.Queue = queue.Queue()

        def worker() -> None:
            while True:
                task = todo.get()
                if task is None:
                    return
                t0 = time.monotonic()
                try:
                    done.put(Outcome(task, work(task), None, time.monotonic() - t0))
                except BaseException as exc:  # noqa: BLE001 - the recorder decides; a lost outcome would hang the batch
                    done.put(Outcome(task, None, exc, time.monotonic() - t0, traceback.format_exc()))

        threads = [threading.Thread(target=worker, name=f"qc-call-{i}", daemon=True) for i in range(self.workers)]
        for thread in threads:
            thread.start()
        pending, running = list(reversed(tasks)), 0
        try:
            while pending or running:
                while pending and running < self.workers + self.ahead:
                    task = pending.pop()
                    started(task)
                    todo.put(task)
                    running += 1
                outcome = done.get()
                running -= 1
                yield outcome
        finally:
            for _ in threads:
                todo.put(None)


CALLS_PER_WORKER = 100  # then fresh worker processes: nothing a library keeps outlives a few hundred calls


class ProcessExecutor:
    """Calls side by side in ``workers`` processes, each with its own models and ``cpu_threads``.

    At most ``workers + ahead`` calls are handed out at a time, so memory is bounded by the
    workers, not by the batch; ``started`` is called when a call is handed out. Worker processes
    are started fresh (spawn): no model runtime thread state is inherited. A worker that dies
    (killed, out of memory) fails the call it held, with that reason, and the pool is restarted
    for the rest; stopping the batch (a signal) stops the workers. After ``calls_per_worker``
    calls per worker the pool is drained and started afresh, so nothing a library keeps from call
    to call outlives a few hundred calls; it costs a second or two of model loading. (The growth
    that prompted it, bench/throughput.py --repeat, turned out to be the order of the calls; the
    standard library's ``max_tasks_per_child`` can deadlock with calls queued ahead, CPython
    issue 115634, in 3.11 to 3.14.)
    """

    name = "processes"

    def __init__(self, workers: int, cpu_threads: int, ahead: int = 1, calls_per_worker: int = CALLS_PER_WORKER):
        self.workers, self.cpu_threads, self.ahead = workers, cpu_threads, ahead
        self.calls_per_worker = calls_per_worker

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=worker_init, initargs=(self.cpu_threads,))

    def execute(self, tasks: Sequence[Task], work: Callable[[Task], CallAnalysis],
                started: Callable[[Task], None]) -> Iterator[Outcome]:
        pending = list(reversed(tasks))
        running: dict = {}
        pool, handed, share = self._pool(), 0, self.workers * self.calls_per_worker
        try:
            while pending or running:
                if handed >= share and not running:  # drained: fresh workers for the next calls
                    pool.shutdown(wait=True)
                    pool, handed = self._pool(), 0
                while pending and len(running) < self.workers + self.ahead and handed < share:
                    task = pending.pop()
                    started(task)
                    running[pool.submit(analyse_task, work, task)] = (task, time.monotonic())
                    handed += 1
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    task, t0 = running.pop(future)
                    try:
                        analysis, stages = future.result()
                    except BrokenProcessPool:
                        broken = True
                        error = CallError("the worker process analysing this call stopped (killed, or out of "
                                          "memory)")
                        yield Outcome(task, None, error, time.monotonic() - t0)
                    except Exception as exc:  # noqa: BLE001 - raised in the worker, pickled back
                        yield Outcome(task, None, exc, time.monotonic() - t0, _worker_traceback(exc))
                    else:
                        yield Outcome(task, analysis, None, time.monotonic() - t0, stages=stages)
                if broken:  # the other calls it held are handed out again to a new pool
                    pending.extend(task for task, _ in running.values())
                    running.clear()
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool, handed = self._pool(), 0
        finally:
            if pending or running:  # stopped early (interrupted, or the caller stopped reading)
                _stop(pool)
            else:  # every call done: let the workers exit on their own, releasing what they hold
                pool.shutdown(wait=True)


def _worker_traceback(exc: BaseException) -> str:
    cause = exc.__cause__  # concurrent.futures chains the worker's formatted traceback
    return str(cause) if cause is not None else "".join(traceback.format_exception(exc))


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what was not started and end the workers now (a call in progress is left for the next run)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
