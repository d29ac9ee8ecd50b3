"""Find a night's calls and what is known about each one.

Metadata comes from a manifest CSV (``call_id,file,agent_id,agent_name,team,started_at,
channels_layout``; ``file`` relative to the manifest; ``language`` and ``direction`` may be
added) or, without one, from each file's name through a regular expression with named
groups. Any other column (queue, customer tier...) or named group is kept as the call's
``extra`` metadata, for rule set assignment and the metadata check. Files the manifest does
not list are still processed (their metadata from the file name), so no recording is lost.

A chat log (:mod:`qc.sources.chat`) holds many conversations, each a call: the log describes
them, and manifest rows naming the log as ``file`` and a conversation as ``call_id`` fill in
or override that (agent, team, ``channel``...). In folders, ``.csv``, ``.jsonl`` and ``.json``
files are chat logs only when their header or keys say so: a manifest is not one.
"""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Iterable, Optional

from ..errors import ManifestError
from ..schema import LAYOUTS, NO_AGENT_ID, CallMeta
from ..text import decode_text
from . import kind_of, recognised, source_extensions
from .chat import ChatSource, calls_in

MANIFEST_COLUMNS = ("call_id", "file", "agent_id", "agent_name", "team", "started_at", "channels_layout")
REQUIRED_COLUMNS = ("call_id", "file")  # the rest may be blank or absent; "language", "direction" may be added
KNOWN_COLUMNS = (*MANIFEST_COLUMNS, "language", "direction")  # any other column is extra metadata
# e.g. 20261121-093000_A1024_C0001.wav -> started_at, agent_id, call_id; anything else: call_id = stem
DEFAULT_FILENAME_PATTERN = r"^(?P<started_at>\d{8}-\d{6})_(?P<agent_id>[^_]+)_(?P<call_id>.+)$"
SKIP_NAMES = ("manifest",)
LANGUAGES = ("zh", "en", "auto")
DIRECTIONS = ("inbound", "outbound")  # who dialled: the customer (the agent answers) or the agent
_EXCEL_TIME = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?(.*)$")


def discover(inputs: Iterable[str | Path], extensions: tuple[str, ...] = (), exclude: Iterable[Path] = (),
             problems: Optional[list[tuple[str, str]]] = None) -> list[Path]:
    """Files named directly, plus files found recursively in directories that have one of
    ``extensions`` (default: those of every call source), as absolute paths. Folders in
    ``exclude`` (qc's own output) are not searched; a folder that cannot be listed is added
    to ``problems`` as ``(folder, reason)`` rather than skipped silently."""
    extensions = extensions or source_extensions()
    skipped = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(_walk(path.resolve(), extensions, skipped, problems))
        elif path.exists():
            found.append(path.resolve())
        else:
            raise ManifestError(f"{path}: no such file or directory")
    return list(dict.fromkeys(found))


def _walk(root: Path, extensions, skipped: set[Path], problems) -> list[Path]:
    def unreadable(error: OSError) -> None:
        if problems is not None:
            problems.append((error.filename or str(root), f"cannot list this folder ({error.strerror}); "
                                                          f"its recordings were not processed"))

    found = []
    for folder, dirs, files in os.walk(root, onerror=unreadable):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skipped)
        found.extend(here / f for f in sorted(files) if Path(f).suffix.lower() in extensions
                     and recognised(here / f))
    return found


def _decoded(path: Path) -> str:
    text = decode_text(path.read_bytes())
    if text is None:
        raise ManifestError(f"{path}: unknown text encoding; save it as UTF-8 or GB18030 (GBK) CSV")
    return text


def _iso_time(value: str, where: str) -> str:
    """``started_at`` as ISO 8601: ISO itself, or what Excel writes (2026/11/21 9:30)."""
    if not value:
        return ""
    match = _EXCEL_TIME.match(value)
    if match:
        year, month, day, hour, minute, second, rest = match.groups()
        candidate = f"{year}-{int(month):02d}-{int(day):02d}"
        if hour is not None:
            candidate += f"T{int(hour):02d}:{minute}:{second or '00'}"
        candidate += rest.strip()
        try:
            datetime.fromisoformat(candidate)
            return candidate
        except ValueError:
            pass
    raise ManifestError(f"{where}: started_at {value!r} is not a date and time (expected e.g. "
                        f"2026-11-21T09:30:00+08:00 or 2026/11/21 9:30)")


def read_manifest(path: Path) -> dict[tuple[Path, str], CallMeta]:
    """Call metadata keyed by the path the row names (absolute; a link stays a link) and the call
    id; each call's ``path`` is the recording itself (a chat log's rows name its conversations)."""
    if not path.is_file():
        raise ManifestError(f"{path}: manifest not found")
    with io.StringIO(_decoded(path), newline="") as fh:
        reader = csv.DictReader(fh)
        columns = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise ManifestError(f"{path}: missing column(s) {', '.join(missing)}; "
                                f"expected {','.join(MANIFEST_COLUMNS)}")
        calls: dict[tuple[Path, str], CallMeta] = {}
        ids: set[str] = set()
        for line, row in enumerate(reader, start=2):
            call_id = (row.get("call_id") or "").strip()
            file = (row.get("file") or "").strip()
            if not call_id or not file:
                raise ManifestError(f"{path}:{line}: call_id and file are required")
            if call_id in ids:
                raise ManifestError(f"{path}:{line}: duplicate call_id {call_id!r}")
            ids.add(call_id)
            layout = (row.get("channels_layout") or "").strip() or None
            if layout and layout not in LAYOUTS:
                raise ManifestError(f"{path}:{line}: unknown channels_layout {layout!r}; "
                                    f"expected one of {', '.join(LAYOUTS)}")
            language = (row.get("language") or "").strip().lower() or None
            if language and language not in LANGUAGES:
                raise ManifestError(f"{path}:{line}: unknown language {row['language'].strip()!r}; "
                                    f"expected one of {', '.join(LANGUAGES)}")
            direction = (row.get("direction") or "").strip().lower()
            if direction and direction not in DIRECTIONS:
                raise ManifestError(f"{path}:{line}: unknown direction {row['direction'].strip()!r}; "
                                    f"expected one of {', '.join(DIRECTIONS)} (or blank: unknown)")
            named = Path(os.path.abspath(path.parent / file))
            audio = named.resolve()
            calls[named, call_id] = CallMeta(
                call_id=call_id, path=str(audio), agent_id=(row.get("agent_id") or "").strip() or NO_AGENT_ID,
                agent_name=(row.get("agent_name") or "").strip(), team=(row.get("team") or "").strip(),
                started_at=_iso_time((row.get("started_at") or "").strip(), f"{path}:{line}"), layout=layout,
                language=language, direction=direction,
                extra={k.strip(): v.strip() for k, v in row.items()
                       if k and k.strip() not in KNOWN_COLUMNS and isinstance(v, str) and v.strip()})
    return calls


def meta_from_filename(path: Path, pattern: str = DEFAULT_FILENAME_PATTERN) -> CallMeta:
    match = re.match(pattern, path.stem)
    groups = {k: v for k, v in (match.groupdict() if match else {}).items() if v}
    started = groups.get("started_at", "")
    if re.fullmatch(r"\d{8}-\d{6}", started):
        started = f"{started[:4]}-{started[4:6]}-{started[6:8]}T{started[9:11]}:{started[11:13]}:{started[13:15]}"
    return CallMeta(call_id=groups.get("call_id", path.stem), path=str(path.resolve()),
                    agent_id=groups.get("agent_id", NO_AGENT_ID), agent_name=groups.get("agent_name", ""),
                    team=groups.get("team", ""), started_at=started, layout=groups.get("layout"),
                    direction=groups.get("direction", ""),
                    extra={k: v for k, v in groups.items() if k not in (*KNOWN_COLUMNS, "layout")})


def collect_calls(inputs: Iterable[str | Path], manifest: Optional[Path] = None,
                  filename_pattern: str = DEFAULT_FILENAME_PATTERN, extensions: tuple[str, ...] = (),
                  exclude: Iterable[Path] = (), problems: Optional[list[tuple[str, str]]] = None) -> list[CallMeta]:
    """Every call to process: manifest rows first, then unlisted files found in the inputs.
    Directories are searched for files with ``extensions`` (default: every source's), except
    the folders in ``exclude``; folders that cannot be listed go to ``problems``."""
    try:
        re.compile(filename_pattern)
    except re.error as exc:
        raise ManifestError(f"invalid filename pattern {filename_pattern!r}: {exc}") from None
    listed = read_manifest(manifest) if manifest else {}
    by_name: dict[Path, list[CallMeta]] = {}  # the path a row names: a link, or the recording
    by_recording: dict[Path, list[CallMeta]] = {}  # the recording behind it
    for (named, _), meta in listed.items():
        by_name.setdefault(named, []).append(meta)
        by_recording.setdefault(Path(meta.path), []).append(meta)
    files = discover(inputs, extensions, exclude, problems) if inputs else list(by_recording)
    calls: list[CallMeta] = []
    seen_ids: set[str] = set()
    for path in files:
        if inputs and path.stem in SKIP_NAMES:
            continue
        # the rows naming this path, else those naming the recording behind a link; each row is a
        # call of its own (one recording may hold two calls: a transfer exported once per agent)
        listed_rows = [m for m in by_name.get(path) or by_recording.get(path.resolve(), []) if m.call_id not in seen_ids]
        for meta in _calls_in(path, listed_rows, filename_pattern):
            if meta.call_id in seen_ids and kind_of(path) != ChatSource.kind:  # a chat is found by its id
                meta = CallMeta(**{**meta.__dict__, "call_id": f"{meta.call_id}-{len(seen_ids)}"})
            seen_ids.add(meta.call_id)
            calls.append(meta)
    if manifest and inputs:  # listed, not found: they fail visibly
        found = set(files) | {path.resolve() for path in files}
        calls.extend(m for recording, listed_here in by_recording.items() if recording not in found
                     for m in listed_here if m.call_id not in seen_ids)
    return calls


def _calls_in(path: Path, rows: list[CallMeta], filename_pattern: str) -> list[CallMeta]:
    """The calls of one file: a chat log's conversations, or the recording (each of its manifest rows)."""
    if kind_of(path) == ChatSource.kind:
        return calls_in(path, {m.call_id: m for m in rows})
    return list(rows) or [meta_from_filename(path, filename_pattern)]
