"""Where calls come from: the table of call sources.

A source turns a :class:`~qc.schema.CallMeta` into the text-and-timing input of scoring, a
:class:`~qc.schema.CallAnalysis`. Each source class has a ``kind``, the file
``extensions`` it reads (directories are searched for them), a ``fingerprint()`` of every
setting that changes its output (part of each call's cache key), the ``content(meta)`` hash
that tells one call's input from another's (part of the key too), what with the call's id is
its ``identity(meta, content)`` (``call_uid``: one call on the pages) and ``analyse(meta,
language)``; one that reads only some files of its extensions says which with
``recognises(path)``. Recorded audio (:mod:`qc.sources.audio`) and chat logs
(:mod:`qc.sources.chat`, many conversations to a file) are the two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..schema import CallAnalysis, CallMeta
from .audio import AudioSource
from .chat import ChatSource


class CallSource(Protocol):
    kind: str
    extensions: tuple[str, ...]

    def fingerprint(self) -> str: ...

    def content(self, meta: CallMeta) -> str: ...

    def identity(self, meta: CallMeta, content: str) -> str: ...

    def analyse(self, meta: CallMeta, language: str) -> CallAnalysis: ...


SOURCES: dict[str, type] = {source.kind: source for source in (AudioSource, ChatSource)}


def source_extensions() -> tuple[str, ...]:
    return tuple(ext for source in SOURCES.values() for ext in source.extensions)


def kind_of(path: str | Path) -> str:
    """The source that reads a file, by its extension; audio when none claims it (ffprobe decides)."""
    suffix = Path(path).suffix.lower()
    return next((kind for kind, source in SOURCES.items() if suffix in source.extensions), AudioSource.kind)


def recognised(path: str | Path) -> bool:
    """Whether the source of a file found in a folder reads it (a manifest CSV is no chat log)."""
    source = SOURCES[kind_of(path)]
    return getattr(source, "recognises", lambda _: True)(Path(path))
