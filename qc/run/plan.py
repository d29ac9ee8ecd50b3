"""Plan a batch: what each call needs, given what the store already holds.

A call is its id plus its recording's bytes (``call_uid``; a chat conversation's id and its
log's path: a conversation exported again with more messages is the same call, analysed
again). A row's key adds every setting
of its source that changes the analysis (derived from the source's settings dataclass),
its language and layout. A call whose key is stored is *done*: re-scored if the rules
changed, its metadata updated if a manifest now says otherwise. A call whose recording was
analysed with the same settings under another id *reuses* that analysis. A call that
failed ``max_attempts`` times is *quarantined* and left alone. The rest are analysed: new,
changed, failed before, or left ``processing`` by a run that died with it in progress
(*abandoned*: a failed attempt, so that a recording that kills qc is not retried every night
for ever) or that a signal stopped (not a failure).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Optional, Sequence

from ..media import file_sha256
from ..schema import CallMeta, call_uid
from ..sources import kind_of
from .store import INTERRUPTED, Store

ANALYSIS_VERSION = 5  # bump when the analysis of a call changes, so stored calls are analysed again
META_FIELDS = tuple(f for f in CallMeta.__dataclass_fields__ if f not in ("layout", "language", "direction"))
ROW_FIELDS = ("call_id", "path", "agent_id", "agent_name", "team", "started_at")  # stored as columns too


@dataclass(frozen=True)
class Task:
    """One call of the batch, as planned."""

    meta: CallMeta
    key: str  # the stored row: call, recording and settings
    language: str
    source: str  # the kind of source that reads it (see qc.sources)
    uid: str = ""  # the call's identity: id and recording
    content_key: str = ""  # recording and settings, whatever the id
    content: str = ""  # sha256 of the recording


@dataclass(frozen=True)
class Plan:
    todo: tuple[Task, ...] = ()  # to analyse
    done: tuple[tuple[Task, dict], ...] = ()  # already analysed: (task, stored row)
    reuse: tuple[tuple[Task, dict], ...] = ()  # analysed under another id: (task, that row)
    quarantined: tuple[tuple[Task, dict], ...] = ()  # failed too often: left alone
    abandoned: tuple[Task, ...] = ()  # of todo: a run died while analysing them (a failed attempt each)

    @property
    def total(self) -> int:
        return len(self.todo) + len(self.done) + len(self.reuse) + len(self.quarantined)


def content_sha256(path: str) -> str:
    try:
        return file_sha256(path).hexdigest()
    except OSError:  # unreadable: the source reports why when it tries; keyed by name meanwhile
        return "unreadable:" + hashlib.sha256(path.encode()).hexdigest()


def call_key(path: str, source_fingerprint: str, language: str, layout: Optional[str], call_id: str = "",
             content: Optional[str] = None, direction: str = "") -> str:
    """Hash of the call id, the recording's bytes and every setting that changes its analysis."""
    return _key(content or content_sha256(path), source_fingerprint, language, layout, call_id, direction)


def _key(content: str, source_fingerprint: str, language: str, layout: Optional[str], call_id: str,
         direction: str = "") -> str:
    """The direction decides which speaker of a mono call is the agent, so it is part of the analysis."""
    data = json.dumps([content, source_fingerprint, language, layout or "", ANALYSIS_VERSION, call_id, direction])
    return hashlib.sha256(data.encode()).hexdigest()


def plan_batch(calls: Sequence[CallMeta], sources: dict, default_language: str, store: Store,
               force: bool = False) -> Plan:
    """``sources`` maps a kind to its source object (its fingerprint goes into the key)."""
    todo, done, reuse, quarantined, abandoned = [], [], [], [], []
    for meta in calls:
        kind = kind_of(meta.path)
        language = meta.language or default_language
        source = sources[kind]
        content, fingerprint = source.content(meta), source.fingerprint()
        task = Task(meta, _key(content, fingerprint, language, meta.layout, meta.call_id, meta.direction), language,
                    kind, call_uid(meta.call_id, source.identity(meta, content)),
                    _key(content, fingerprint, language, meta.layout, "", meta.direction), content)
        row = None if force else store.get(task.key)
        if row and row["status"] in ("ok", "empty"):
            done.append((task, row))
        elif row and row["status"] == "quarantined":
            quarantined.append((task, row))
        elif not force and (twin := store.analysed(task.content_key)) is not None:
            reuse.append((task, twin))
        else:
            todo.append(task)
            if row and row["status"] == "processing" and row["error"] != INTERRUPTED:
                abandoned.append(task)
    return Plan(tuple(todo), tuple(done), tuple(reuse), tuple(quarantined), tuple(abandoned))


def stored_meta(row: dict) -> CallMeta:
    """A stored call's metadata in clear: its analysis's, under the row's columns (which hold the clear
    values even when the analysis is redacted)."""
    fields = {**((row.get("analysis") or {}).get("meta") or {}),
              **{k: row[k] for k in (*ROW_FIELDS, "extra") if k in row}}
    return CallMeta(**{k: v for k, v in fields.items() if k in CallMeta.__dataclass_fields__})


def meta_changed(meta: CallMeta, row: dict) -> bool:
    """Whether the stored call's metadata differs from what the inputs now say."""
    stored, now = asdict(stored_meta(row)), asdict(meta)
    return any(_plain(stored[f]) != _plain(now[f]) for f in META_FIELDS)


def _plain(value) -> str:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value or "")
