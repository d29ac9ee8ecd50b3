"""Where calls come from: the table of call sources.

A source turns a :class:`~qc.schema.CallMeta` into the text-and-timing input of scoring, a
:class:`~qc.schema.CallAnalysis`. Each source class has a ``kind``, the file
``extensions`` it reads (directories are searched for them), a ``fingerprint()`` of every
setting that changes its output (part of each call's cache key) and ``analyse(meta,
language)``. Recorded audio (:mod:`qc.sources.audio`) is the one source today; a chat
transcript source is a new module and one entry in :data:`SOURCES`, nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..schema import CallAnalysis, CallMeta
from .audio import AudioSource


class CallSource(Protocol):
    kind: str
    extensions: tuple[str, ...]

    def fingerprint(self) -> str: ...

    def analyse(self, meta: CallMeta, language: str) -> CallAnalysis: ...


SOURCES: dict[str, type] = {source.kind: source for source in (AudioSource,)}


def source_extensions() -> tuple[str, ...]:
    return tuple(ext for source in SOURCES.values() for ext in source.extensions)


def kind_of(path: str | Path) -> str:
    """The source that reads a file, by its extension; audio when none claims it (ffprobe decides)."""
    suffix = Path(path).suffix.lower()
    return next((kind for kind, source in SOURCES.items() if suffix in source.extensions), AudioSource.kind)
