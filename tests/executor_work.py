"""Picklable stand-ins for a batch's work, for the executor tests (imported by worker processes)."""

import os

from qc.errors import CallError
from qc.schema import AudioInfo, CallAnalysis, Transcript


class EchoWork:
    """Analyses a call into an empty transcript, in whichever process runs it; some calls go wrong."""

    def __call__(self, task):
        if task.meta.call_id == "bad":
            raise CallError("this recording is unreadable")
        if task.meta.call_id == "dies":
            os._exit(9)  # the worker process is killed (out of memory, kill -9)
        return CallAnalysis(task.meta, AudioInfo(task.meta.path, 1.0, 1, "mono", 8000),
                            Transcript("zh", (), roles_known=False))


class AllocatorWork:
    """Reports whether the process running it hands freed memory back (qc.analysis.blocks)."""

    def __call__(self, task):
        from qc.analysis import blocks

        if not blocks.freed_memory_returned():
            raise CallError("this worker keeps freed memory in its heap")
        return EchoWork()(task)


class PidWork:
    """Analyses a call and names, in its path, the process that analysed it."""

    def __call__(self, task):
        analysis = EchoWork()(task)
        return CallAnalysis(task.meta, AudioInfo(str(os.getpid()), 1.0, 1, "mono", 8000), analysis.transcript)


_HELD = []


class SemaphoreWork:
    """Analyses a call in a worker that holds a named semaphore and takes a moment to exit, as a
    worker with models loaded does: killed instead of let exit, it leaves the semaphore behind
    (Python's resource_tracker then warns of a leak when the batch ends)."""

    def __call__(self, task):
        import atexit
        import multiprocessing
        import time

        if not _HELD:
            _HELD.append(multiprocessing.get_context("spawn").Semaphore())
            atexit.register(time.sleep, 1.0)
        return EchoWork()(task)
