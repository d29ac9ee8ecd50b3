"""Long recordings in bounded blocks (pure): where to cut so that nobody is cut mid-word.

Memory for Whisper's features and pyannote's segmentation and embeddings grows with the
length of what they are given, about 50 MB per minute for the diarization of a mono call.
A recording longer than a block is processed block by block; each cut falls in the longest
pause near the block's end (from voice activity), so a sentence is split only when
somebody talks for a whole block without pausing.

Beside the cuts, the process-wide helpers that keep a long call's memory bounded:
:func:`return_freed_memory`, :func:`import_apart` and the stage notes of :func:`note_memory`.
"""

from __future__ import annotations

import importlib
import logging
import resource
import threading
from typing import Sequence

memory_log = logging.getLogger("qc.memory")

SEARCH_FRACTION = 0.2  # look for a pause in the last fifth of a block


def blocks(duration_s: float, speech: Sequence[tuple[float, float]], block_s: float) -> list[tuple[float, float]]:
    """``[(start_s, end_s)]`` covering ``0..duration_s``: blocks of at most ``block_s``, the last one
    up to 1.5 ``block_s`` (no short tail block); a single block for a recording of up to 1.5 blocks."""
    if block_s <= 0 or duration_s <= 1.5 * block_s:
        return [(0.0, duration_s)]
    out, start = [], 0.0
    while duration_s - start > 1.5 * block_s:
        end = _cut(start + block_s, start + (1 - SEARCH_FRACTION) * block_s, speech)
        out.append((start, end))
        start = end
    out.append((start, duration_s))
    return out


def _cut(latest: float, earliest: float, speech: Sequence[tuple[float, float]]) -> float:
    """The middle of the longest pause between ``earliest`` and ``latest``; ``latest`` when none."""
    best, best_gap = latest, 0.0
    ends = sorted(speech)
    for (a0, a1), (b0, _) in zip(ends, ends[1:]):
        gap_start, gap_end = max(a1, earliest), min(b0, latest)
        if gap_end - gap_start > best_gap:
            best, best_gap = (gap_start + gap_end) / 2, gap_end - gap_start
    if not any(a < latest for a, _ in ends):  # no speech at all near the end: cut at the limit
        return latest
    return round(best, 3)


MMAP_THRESHOLD = 8 * 2**20  # blocks this large come from mmap and go back to the system when freed
TRIM_THRESHOLD = 16 * 2**20  # free memory above this at the top of the heap goes back at once


def return_freed_memory() -> None:
    """Let the C allocator hand freed memory back to the system (glibc only; elsewhere nothing):
    large blocks through mmap, and the heap's free pages at the end of every stage
    (:func:`trim_memory`, from :func:`note_memory`).

    torch and numpy allocate and free hundreds of megabytes per block; glibc's default keeps
    them in its heap, fragmented, so a 30-min call diarized in 5-min blocks grew by 150-200 MB a
    block (2.0 GB after five) while holding less than 0.9 GB. Served from mmap and trimmed, it
    stays flat (1.16 GB peak, 0.81 GB held after five blocks). Call it once, early, in every
    process that analyses calls (the batch, each worker process, each Ray actor).

    The threshold is 8 MiB, not glibc's 128 KiB minimum: at 128 KiB every buffer of
    CTranslate2's decoder steps (a beam's logits are 1 MB) was mapped, faulted in, zeroed and
    unmapped thousands of times a call, and a third of qc's CPU went to the kernel (8 stereo
    calls: 33 s of system time in 95 s of CPU, 52.6 s wall; with mmap from 8 MiB 40.5 s and
    about 15 % more peak memory; bench/README.md, throughput, session 7). What the heap keeps
    inside a stage goes back at the stage's end.
    """
    global _malloc_trim
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt, malloc_trim = (libc.mallopt, libc.malloc_trim) if libc is not None else (None, None)
    except (OSError, AttributeError):
        return
    if mallopt is not None:
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        _malloc_trim = malloc_trim


def trim_memory() -> None:
    """Hand the heap's free pages back to the system (every arena), where :func:`return_freed_memory`
    was called; a few milliseconds."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def freed_memory_returned() -> bool:
    """Whether this process set its allocator so (for the tests)."""
    return _malloc_trim is not None


_malloc_trim = None  # glibc's malloc_trim, once return_freed_memory() has set the allocator


def import_apart(name: str) -> None:
    """``import name`` on a thread of its own, raising what the import raised.

    Some libraries keep an import error with its traceback (pyannote.audio pulls in optuna, whose
    ``try_import`` keeps the ImportError of redis), and a traceback's frames hold their callers'
    frames with all their locals. Imported from deep inside the first mono call, that pinned the
    call's samples (230 MB for 2 hours) and turns until the process ended; a fresh thread's stack
    ends at the thread."""
    failure: list[BaseException] = []

    def load() -> None:
        try:
            importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=load, name=f"import {name}", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def note_memory(stage: str) -> None:
    """A stage is over: its freed memory goes back to the system (:func:`trim_memory`), and the
    process's resident and peak memory are logged (debug level, logger ``qc.memory``; nothing is
    measured unless that logger is on). ``bench/long_call.py`` turns it on to show which stage
    makes the peak."""
    trim_memory()
    if not memory_log.isEnabledFor(logging.DEBUG):
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            rss_mb = int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:  # not Linux: the peak alone
        rss_mb = float("nan")
    # the kernel's high-water mark lags the live counters by a page or two (just after a trim too)
    peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rss_mb)
    memory_log.debug("memory %s: rss %.0f MB, peak %.0f MB", stage, rss_mb, peak_mb)
