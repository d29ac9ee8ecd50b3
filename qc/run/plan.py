"""Plan a batch: what each call needs, given what the store already holds.

A call's key is a hash of its bytes plus every setting of its source that changes the
analysis (derived from the source's settings dataclass), its language and layout. A call
whose key is stored ``ok`` is done (at most re-scored); anything else is analysed:
new, changed, failed before, or left ``processing`` by a crash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..media import file_sha256
from ..schema import CallMeta
from ..sources import kind_of
from .store import Store

ANALYSIS_VERSION = 4  # bump when the analysis of a call changes, so stored calls are analysed again


@dataclass(frozen=True)
class Task:
    """One call of the batch, as planned."""

    meta: CallMeta
    key: str
    language: str
    source: str  # the kind of source that reads it (see qc.sources)


@dataclass(frozen=True)
class Plan:
    todo: tuple[Task, ...]  # to analyse
    done: tuple[tuple[Task, dict], ...]  # already analysed: (task, stored row)

    @property
    def total(self) -> int:
        return len(self.todo) + len(self.done)


def call_key(path: str, source_fingerprint: str, language: str, layout: Optional[str]) -> str:
    """Hash of the recording's bytes and of every setting that changes its analysis."""
    try:
        digest = file_sha256(path)
    except OSError:
        digest = hashlib.sha256(f"unreadable:{Path(path).resolve()}".encode())
    digest.update(json.dumps([source_fingerprint, language, layout or "", ANALYSIS_VERSION]).encode())
    return digest.hexdigest()


def plan_batch(calls: Sequence[CallMeta], sources: dict, default_language: str, store: Store,
               force: bool = False) -> Plan:
    """``sources`` maps a kind to its source object (its fingerprint goes into the key)."""
    todo, done = [], []
    for meta in calls:
        kind = kind_of(meta.path)
        language = meta.language or default_language
        task = Task(meta, call_key(meta.path, sources[kind].fingerprint(), language, meta.layout), language, kind)
        row = None if force else store.get(task.key)
        if row and row["status"] == "ok":
            done.append((task, row))
        else:
            todo.append(task)
    return Plan(tuple(todo), tuple(done))
