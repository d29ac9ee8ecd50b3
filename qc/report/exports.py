"""Export writers: the table of formats a report writes besides its pages.

Per-call writers (``json``, ``rttm``, ``srt``, ``vtt``, ``txt``) write ``calls/<name>.<ext>``
for each call, beside its page; a call with nothing in a format (no diarization turns, no
sentence) gets no file, and an earlier one is removed. Table writers (``csv``, ``parquet``)
write ``results.<ext>`` (one row per call) and ``findings.<ext>`` (one row per failed rule)
for the whole report. A new format is one function and one entry in :data:`WRITERS`, as in
whisper's ``get_writer``; ``qc run --formats`` chooses among them (:func:`parse_formats`).
"""

from __future__ import annotations

import csv
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..schema import Turn
from . import subtitles
from .files import atomic_file, write_text
from .options import DEFAULT_FORMATS
from .scorecards import call_stem

RESULT_COLUMNS = ("call_id", "call_uid", "agent_id", "agent_name", "team", "started_at", "status", "error", "duration_s",
                  "language", "layout", "score", "passed", "failed_rules", "path", "reviewed_score", "reviewed_passed",
                  "review", "direction", "metadata", "rule_set", "rule_set_version", "sections")
FINDING_COLUMNS = ("call_id", "call_uid", "agent_id", "agent_name", "team", "started_at", "rule_id", "title", "category",
                   "severity", "points", "fatal", "reason", "start_s", "end_s", "evidence_count", "evidence",
                   "reviewed_status")
NUMERIC_COLUMNS = {"duration_s": "float64", "score": "float64", "passed": "bool", "points": "float64",
                   "fatal": "bool", "start_s": "float64", "end_s": "float64", "evidence_count": "int64",
                   "reviewed_score": "float64", "reviewed_passed": "bool"}


@dataclass(frozen=True)
class Writer:
    """One export format. ``per_call``: ``write(doc, analysis, path)`` for each call, returning False
    when the call has nothing in this format; else ``write(tables, out_dir)`` once, returning the paths."""

    name: str
    per_call: bool
    write: Callable
    available: Callable[[], bool] = lambda: True
    requires: str = ""  # how to make it available


def _call_json(doc: dict, analysis: Optional[dict], path: Path) -> bool:
    write_text(path, json.dumps(doc, ensure_ascii=False, indent=1))
    return True


def _call_rttm(doc: dict, analysis: Optional[dict], path: Path) -> bool:
    turns = ((analysis or {}).get("diarization") or {}).get("turns")
    if not (doc["status"] == "ok" and doc["diarization"] and doc["diarization"]["method"] == "pyannote" and turns):
        return False
    write_text(path, rttm(doc["call_id"], [Turn(*t) for t in turns]))
    return True


def _call_text(render: Callable[[dict], Optional[str]]) -> Callable:
    """A per-call writer of one of the :mod:`subtitles` texts."""
    def write(doc: dict, analysis: Optional[dict], path: Path) -> bool:
        text = render(doc)
        if text is not None:
            write_text(path, text)
        return text is not None

    return write


def rttm(uri: str, turns: Sequence[Turn]) -> str:
    """NIST RTTM lines, the format diarization tools exchange."""
    safe = uri.replace(" ", "_")
    return "".join(f"SPEAKER {safe} 1 {start:.3f} {end - start:.3f} <NA> <NA> {speaker} <NA> <NA>\n"
                   for speaker, start, end in sorted(turns, key=lambda t: (t[1], t[2])))


def tables(docs: list[dict]) -> dict[str, tuple[list[dict], tuple[str, ...]]]:
    """The rows of ``results`` and ``findings`` for the published call documents."""
    results = [{
        "call_id": d["call_id"], "call_uid": d["uid"], "agent_id": d["agent_id"], "agent_name": d["agent_name"], "team": d["team"],
        "started_at": d["started_at"], "status": d["status"], "error": d["error"] or "",
        "duration_s": d["audio"]["duration_s"], "language": d["language"] or "", "layout": d["audio"]["layout"] or "",
        "score": d["score"], "passed": d["passed"],
        "failed_rules": ";".join(r["rule_id"] for r in d["rules"] if r["status"] == "fail"), "path": d["audio"]["path"],
        # the machine's score above; the reviewed one (the same when nobody reviewed the call) here
        "reviewed_score": d["review"]["score"] if d.get("review") else d["score"],
        "reviewed_passed": d["review"]["passed"] if d.get("review") else d["passed"],
        "review": d["review"]["status"] if d.get("review") else "",
        "direction": d["direction"], "metadata": json.dumps(d["metadata"], ensure_ascii=False) if d["metadata"] else "",
        "rule_set": (d["rule_set"] or {}).get("name", ""), "rule_set_version": (d["rule_set"] or {}).get("version", ""),
        "sections": ";".join(f"{s['id']}={'na' if s['score'] is None else s['score']}" for s in d["sections"]),
    } for d in docs]
    findings = [{
        "call_id": d["call_id"], "call_uid": d["uid"], "agent_id": d["agent_id"], "agent_name": d["agent_name"], "team": d["team"],
        "started_at": d["started_at"], "rule_id": r["rule_id"], "title": r["title"], "category": r["category"],
        "severity": r["severity"], "points": r["points"], "fatal": r["fatal"], "reason": r["reason"],
        "start_s": r["evidence"][0]["start_s"] if r["evidence"] else None,
        "end_s": max(e["end_s"] for e in r["evidence"]) if r["evidence"] else None,
        "evidence_count": len(r["evidence"]), "evidence": " | ".join(e["text"] for e in r["evidence"]),
        "reviewed_status": _reviewed_status(d, r),
    } for d in docs for r in d["rules"] if r["status"] == "fail"]
    return {"results": (results, RESULT_COLUMNS), "findings": (findings, FINDING_COLUMNS)}


def _reviewed_status(doc: dict, rule: dict) -> str:
    """The finding's status after review: fail, or pass (overturned), or as a reviewer set it."""
    decided = {d["rule_id"]: d["status"] for d in (doc.get("review") or {}).get("decisions", [])}
    return decided.get(rule["rule_id"], rule["status"])


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what Excel and LibreOffice run as a formula


def spreadsheet_safe(value):
    """Text a spreadsheet shows as text: a leading ' before what it would run as a formula
    (an agent "name" like =HYPERLINK(...) or =cmd|...). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(tables_: dict, out_dir: Path) -> dict[str, Path]:
    """UTF-8 with a BOM, so Excel on a Chinese Windows reads the Chinese text; formulas neutralised."""
    paths = {}
    for name, (records, columns) in tables_.items():
        paths[name] = out_dir / f"{name}.csv"
        with atomic_file(paths[name], newline="", encoding="utf-8-sig") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows({k: spreadsheet_safe(v) for k, v in record.items()} for record in records)
    return paths


def _parquet(tables_: dict, out_dir: Path) -> dict[str, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"float64": pa.float64(), "bool": pa.bool_(), "int64": pa.int64()}
    paths = {}
    for name, (records, columns) in tables_.items():
        paths[f"{name}_parquet"] = out_dir / f"{name}.parquet"
        schema = pa.schema([(c, types[NUMERIC_COLUMNS[c]] if c in NUMERIC_COLUMNS else pa.string()) for c in columns])
        with atomic_file(paths[f"{name}_parquet"], binary=True) as fh:
            pq.write_table(pa.Table.from_pylist(records, schema=schema), fh)
    return paths


WRITERS: dict[str, Writer] = {w.name: w for w in (
    Writer("json", True, _call_json),
    Writer("rttm", True, _call_rttm),
    Writer("srt", True, _call_text(subtitles.srt)),
    Writer("vtt", True, _call_text(subtitles.vtt)),
    Writer("txt", True, _call_text(subtitles.txt)),
    Writer("csv", False, _csv),
    # optional: Parquet only when pyarrow is installed
    Writer("parquet", False, _parquet, available=lambda: importlib.util.find_spec("pyarrow") is not None,
           requires="pyarrow: pip install 'qc[parquet]'"),
)}


PER_CALL_FORMATS = tuple(name for name, w in WRITERS.items() if w.per_call)


def parse_formats(text: str, explicit: bool = True) -> tuple[str, ...]:
    """``json,srt`` or ``all`` as writer names in table order. ValueError names the valid choices,
    or, when asked for ``explicit``-ly, a format whose library is missing (by default it is left out)."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return tuple(WRITERS)
    unknown = [n for n in names if n not in WRITERS]
    if unknown or not names:
        raise ValueError(f"unknown format {', '.join(unknown) or repr(text)}: expected a comma-separated list "
                         f"of {', '.join(WRITERS)}, or all")
    missing = [WRITERS[n] for n in names if not WRITERS[n].available()]
    if explicit and missing:
        raise ValueError("; ".join(f"{w.name} needs {w.requires}" for w in missing))
    return tuple(n for n in WRITERS if n in names)


def write_exports(docs: list[dict], analyses: dict[str, Optional[dict]], out_dir: Path,
                  changed: Optional[set[str]] = None, formats: Sequence[str] = DEFAULT_FORMATS) -> dict[str, Path]:
    """Write ``formats`` for ``docs``: per-call files under ``calls/``, named like the call's page, for
    the ``changed`` calls (default: all), and tables of all of them under ``out_dir``. ``analyses``
    holds each written call's stored analysis by uid (for the diarization turns)."""
    paths: dict[str, Path] = {}
    chosen = [WRITERS[name] for name in formats if WRITERS[name].available()]
    for writer in (w for w in chosen if w.per_call):
        for doc in docs:
            if changed is not None and doc["uid"] not in changed:
                continue
            path = out_dir / "calls" / f"{call_stem(doc)}.{writer.name}"
            if not writer.write(doc, analyses.get(doc["uid"]), path):
                path.unlink(missing_ok=True)  # from an earlier analysis of the call: no longer true
    shared = tables(docs)
    for writer in (w for w in chosen if not w.per_call):
        paths.update(writer.write(shared, out_dir))
    return paths
