"""Executors run the analysis of planned calls: the table the batch picks from.

An executor takes the planned tasks and a ``work(task) -> CallAnalysis`` function and
yields one :class:`Outcome` per task, in any order, as each finishes; it calls
``started(task)`` in the recording process before the task's work begins (so a crash
leaves the call marked ``processing``, and the next run retries it). It never writes the
store and never decides what a failure means: the batch records outcomes, in one
process. A worker pool or a Ray executor is a new class here and one entry in
:data:`EXECUTORS`.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Protocol, Sequence

from ..schema import CallAnalysis
from .plan import Task


@dataclass(frozen=True)
class Outcome:
    task: Task
    analysis: Optional[CallAnalysis]
    error: Optional[BaseException] = None
    seconds: float = 0.0
    traceback: str = ""


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


EXECUTORS: dict[str, type] = {executor.name: executor for executor in (InProcessExecutor,)}
