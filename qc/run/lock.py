"""One qc process per database at a time.

Two overlapping cron runs on the same database and output would transcribe every call
twice and write the same pages at once. Every command that writes them holds an exclusive
lock on ``<db>.lock`` (``flock``: the kernel releases it when the process dies, even by
kill -9, so a crash never leaves a stale lock). A second run waits up to ``wait_s`` seconds,
then stops with :class:`Busy` (exit code 4), having done nothing.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import Busy, environment_errors
from ..schema import now

POLL_S = 1.0


@contextmanager
def exclusive(db_path: Path, wait_s: float = 0.0) -> Iterator[None]:
    lock_path = Path(db_path).with_name(Path(db_path).name + ".lock")
    with environment_errors(f"locking {lock_path}"):
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(lock_path, "a+")
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "unknown"
                    raise Busy(f"another qc process is using {db_path} (pid and start: {holder}); this run did "
                               f"nothing. Wait for it, or pass --wait SECONDS") from None
                time.sleep(POLL_S)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()} {now()}\n")
        fh.flush()
        yield
    finally:
        fh.close()  # closing releases the lock
