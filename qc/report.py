"""Write a report from stored calls: per-call JSON, CSV/Parquet exports, audio and HTML scorecards.

``qc run``, ``qc score`` and ``qc report`` all end here, in :func:`write_outputs`. It reads
plain dictionaries (rows from :meth:`Store.latest_calls`), never a cursor, and never decodes
audio except to make a browser-playable copy of a recording (``audio="copy"``).

Pages (self-contained: styles, scripts and charts inline, no network)::

    index.html               team overview: agents ranked per team, most failed rules, trend, batch
    agents/<agent_id>.html   an agent's scorecard against the team, coaching points, worst calls
    calls/<call_id>.html     one call: player, timeline, transcript as a chat, clickable findings

Templates are a base layout plus partials, autoescaped, with undefined variables as errors.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from . import __version__, charts
from .i18n import interface_language, translator
from .schema import CallMeta, analysis_from_dict, call_json, score_from_dict
from .scorecards import agent_views, call_view, overview, safe_name
from .speakers import rttm
from .store import environment_errors, now

__all__ = ["ReportOptions", "write_outputs", "call_document", "safe_name"]

RESULT_COLUMNS = ("call_id", "agent_id", "agent_name", "team", "started_at", "status", "error", "duration_s",
                  "language", "layout", "score", "passed", "failed_rules", "path")
FINDING_COLUMNS = ("call_id", "agent_id", "agent_name", "team", "started_at", "rule_id", "title", "category",
                   "severity", "points", "fatal", "reason", "start_s", "end_s", "evidence_count", "evidence")
NUMERIC_COLUMNS = {"duration_s": "float64", "score": "float64", "passed": "bool", "points": "float64",
                   "fatal": "bool", "start_s": "float64", "end_s": "float64", "evidence_count": "int64"}
AUDIO_MODES = ("copy", "link", "none")
# Browsers do not all play 8 kHz A-law WAV, GSM or AMR; every one plays MP3 at 16 kHz (MPEG-2 layer III).
# Mono, because a supervisor listens to both parties at once, often on one earbud: 32 kbit/s is ~14 MB/hour.
PLAYABLE_AUDIO = ("mp3", ["-ac", "1", "-ar", "16000", "-c:a", "libmp3lame", "-b:a", "32k", "-map_metadata", "-1"])


@dataclass(frozen=True)
class ReportOptions:
    """What a report shows and how: interface language, audio, and the selection it was made for."""

    ui_language: str = "auto"  # auto (the rule pack's language: that of most calls) | zh | en
    audio: str = "copy"  # copy: a browser-playable copy under audio/ | link: to the recording | none
    team: Optional[str] = None  # pages for this team only (norms still from all calls given)
    agent: Optional[str] = None  # pages for this agent only
    since: Optional[str] = None  # the period the rows were selected for, shown on the pages
    until: Optional[str] = None
    rules_dir: Optional[Path] = None  # where rule packs named in results live, for rule descriptions


def call_document(row: dict) -> dict:
    """The published JSON of one stored call."""
    return _parse(row)[0]


def _parse(row: dict):
    meta = CallMeta(call_id=row["call_id"], path=row["path"], agent_id=row["agent_id"],
                    agent_name=row["agent_name"], team=row["team"], started_at=row["started_at"])
    analysis = analysis_from_dict(row["analysis"]) if row.get("analysis") and row["status"] == "ok" else None
    score = score_from_dict(row["score_detail"]) if row.get("score_detail") and row["status"] == "ok" else None
    error = row["error"] if row["status"] != "ok" else None
    if row["status"] == "processing":
        error = "interrupted while processing; will be retried on the next run"
    return call_json(meta, analysis, score, error), (analysis if score else None)


def write_outputs(rows: list[dict], out_dir: Path, batch: dict | None = None,
                  options: ReportOptions | None = None) -> dict[str, Path]:
    """Write everything under ``out_dir``; return the main paths.

    ``rows`` are the calls of the period; team norms are computed over all of them, pages and
    exports are written for those ``options.team`` / ``options.agent`` select.
    """
    options = options or ReportOptions()
    if options.audio not in AUDIO_MODES:
        raise ValueError(f"audio must be one of {', '.join(AUDIO_MODES)}, not {options.audio!r}")
    with environment_errors(f"writing reports to {out_dir}"):
        for folder in (out_dir, out_dir / "calls", out_dir / "agents"):
            folder.mkdir(parents=True, exist_ok=True)
        parsed = [(row, *_parse(row)) for row in rows]
        chosen = {doc["call_id"] for _, doc, _ in parsed if _selected(doc, options)}
        for row, doc, _ in parsed:
            if doc["call_id"] in chosen:
                _write_call_json(row, doc, out_dir)
        docs = [doc for _, doc, _ in parsed if doc["call_id"] in chosen]
        paths = _write_exports(docs, out_dir)
        audio = publish_audio([(d["call_id"], d["audio"]["path"]) for d in docs], out_dir, options.audio)
        views = [call_view(doc, analysis, audio.get(doc["call_id"], {"mode": "none", "src": None}),
                           row.get("processing_s") or 0.0, row.get("rules_name") or "")
                 for row, doc, analysis in parsed]
        paths.update(_render_html(views, chosen, out_dir, batch or {}, options))
    return paths


def _selected(doc: dict, options: ReportOptions) -> bool:
    return ((options.team is None or doc["team"] == options.team)
            and (options.agent is None or doc["agent_id"] == options.agent))


def _write_call_json(row: dict, doc: dict, out_dir: Path) -> None:
    name = safe_name(doc["call_id"])
    (out_dir / "calls" / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    turns = ((row.get("analysis") or {}).get("diarization") or {}).get("turns")
    if doc["status"] == "ok" and doc["diarization"] and doc["diarization"]["method"] == "pyannote" and turns:
        (out_dir / "calls" / f"{name}.rttm").write_text(rttm(doc["call_id"], [tuple(t) for t in turns]),
                                                         encoding="utf-8")


# -- exports -------------------------------------------------------------------------------


def _write_exports(docs: list[dict], out_dir: Path) -> dict[str, Path]:
    results = [{
        "call_id": d["call_id"], "agent_id": d["agent_id"], "agent_name": d["agent_name"], "team": d["team"],
        "started_at": d["started_at"], "status": d["status"], "error": d["error"] or "",
        "duration_s": d["audio"]["duration_s"], "language": d["language"] or "", "layout": d["audio"]["layout"] or "",
        "score": d["score"], "passed": d["passed"],
        "failed_rules": ";".join(r["rule_id"] for r in d["rules"] if r["status"] == "fail"), "path": d["audio"]["path"],
    } for d in docs]
    findings = [{
        "call_id": d["call_id"], "agent_id": d["agent_id"], "agent_name": d["agent_name"], "team": d["team"],
        "started_at": d["started_at"], "rule_id": r["rule_id"], "title": r["title"], "category": r["category"],
        "severity": r["severity"], "points": r["points"], "fatal": r["fatal"], "reason": r["reason"],
        "start_s": r["evidence"][0]["start_s"] if r["evidence"] else None,
        "end_s": max(e["end_s"] for e in r["evidence"]) if r["evidence"] else None,
        "evidence_count": len(r["evidence"]), "evidence": " | ".join(e["text"] for e in r["evidence"]),
    } for d in docs for r in d["rules"] if r["status"] == "fail"]
    paths = {"results": out_dir / "results.csv", "findings": out_dir / "findings.csv"}
    _write_csv(results, RESULT_COLUMNS, paths["results"])
    _write_csv(findings, FINDING_COLUMNS, paths["findings"])
    if importlib.util.find_spec("pyarrow") is None:  # optional: Parquet only when installed
        return paths
    for name, records, columns in (("results", results, RESULT_COLUMNS), ("findings", findings, FINDING_COLUMNS)):
        paths[f"{name}_parquet"] = out_dir / f"{name}.parquet"
        _write_parquet(records, columns, paths[f"{name}_parquet"])
    return paths


def _write_csv(records: list[dict], columns: tuple[str, ...], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(records)


def _write_parquet(records: list[dict], columns: tuple[str, ...], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"float64": pa.float64(), "bool": pa.bool_(), "int64": pa.int64()}
    schema = pa.schema([(c, types[NUMERIC_COLUMNS[c]] if c in NUMERIC_COLUMNS else pa.string()) for c in columns])
    pq.write_table(pa.Table.from_pylist(records, schema=schema), path)


# -- audio ---------------------------------------------------------------------------------


def publish_audio(calls: list[tuple[str, str]], out_dir: Path, mode: str) -> dict[str, dict]:
    """How each call page plays its recording: ``{call_id: {"mode", "src", "original"}}``.

    ``copy`` transcodes missing or outdated copies to ``audio/<call_id>.mp3`` (in parallel, atomically);
    a recording that cannot be transcoded is linked instead. ``src`` is relative to ``calls/``.
    """
    if mode == "none":
        return {}
    found = {call_id: Path(path) for call_id, path in calls if path and Path(path).is_file()}
    out = {call_id: {"mode": mode, "src": None, "original": path} for call_id, path in calls}
    for call_id, source in found.items():
        out[call_id]["src"] = _relative_url(source, out_dir / "calls")
    if mode == "link":
        return out
    (out_dir / "audio").mkdir(exist_ok=True)
    targets = {call_id: out_dir / "audio" / f"{safe_name(call_id)}.{PLAYABLE_AUDIO[0]}" for call_id in out}
    stale = [call_id for call_id, source in found.items()
             if not targets[call_id].is_file() or targets[call_id].stat().st_mtime < source.stat().st_mtime]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        ok = dict(zip(stale, pool.map(lambda cid: _transcode(found[cid], targets[cid]), stale)))
    for call_id, target in targets.items():
        if ok.get(call_id, True) and target.is_file():
            out[call_id].update(mode="copy", src=f"../audio/{quote(target.name)}")
        else:
            out[call_id]["mode"] = "link"  # could not transcode: the original, if a browser can play it
    return out


def _relative_url(path: Path, start: Path) -> str:
    try:
        return quote(Path(os.path.relpath(path.resolve(), start.resolve())).as_posix())
    except ValueError:  # another drive (Windows): only an absolute address reaches it
        return path.resolve().as_uri()


def _transcode(source: Path, target: Path) -> bool:
    """Write a browser-playable copy of ``source``; False when neither ffmpeg nor qc's decoder can read it."""
    partial = target.with_name(target.name + ".part")
    encode = ["-f", PLAYABLE_AUDIO[0], *PLAYABLE_AUDIO[1], str(partial)]
    try:
        direct = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-vn", *encode],
                                capture_output=True)
        if direct.returncode != 0:  # AMR from call recorders: decode as the pipeline does (through sox)
            from .audio import decode_audio

            decoded = decode_audio(source)
            mono = sum(decoded.channels) / len(decoded.channels)
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar",
                            str(decoded.sample_rate_hz), "-ac", "1", "-i", "pipe:0", *encode],
                           input=mono.astype("<f4").tobytes(), capture_output=True, check=True)
        partial.replace(target)
        return True
    except Exception:  # noqa: BLE001 - one unplayable recording never stops the report
        partial.unlink(missing_ok=True)
        return False


# -- pages ---------------------------------------------------------------------------------


def _environment(language: str):
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("qc", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["mmss"] = lambda s: f"{int(s) // 60}:{int(s) % 60:02d}" if s is not None else "–"
    env.filters["num"] = lambda v, unit="": "–" if v is None else f"{v:g}{unit}"
    env.filters["t3"] = lambda s: f"{s:.3f}"
    env.filters["duration"] = _duration
    env.globals.update(t=translator(language), lang=language, charts=charts, version=__version__,
                       generated_at=now())
    return env


def _duration(seconds: float) -> str:
    """1.5 h, 12.3 min or 42 s: the size of a batch at a glance."""
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _render_html(views: list[dict], chosen: set[str], out_dir: Path, batch: dict, options: ReportOptions) -> dict:
    shown = [v for v in views if v["call_id"] in chosen]
    language = interface_language(options.ui_language, [v["language"] for v in shown if v["status"] == "ok"])
    env = _environment(language)
    packs = _rule_packs(options.rules_dir, {v["rules_name"] for v in views}, language)
    agents = [a for a in agent_views(views, packs["descriptions"], language)
              if any(c["call_id"] in chosen for c in a["worst_calls"])]
    period = {"since": options.since, "until": options.until, "team": options.team, "agent": options.agent}
    common = {"period": period, "pass_mark": packs["pass_score"]}
    index = out_dir / "index.html"
    index.write_text(env.get_template("index.html").render(
        overview=overview(shown, agents, language), batch=batch, root="", **common), encoding="utf-8")
    for agent in agents:
        (out_dir / agent["page"]).write_text(env.get_template("agent.html").render(
            agent=agent, root="../", **common), encoding="utf-8")
    call_page = env.get_template("call.html")
    for call in shown:
        (out_dir / call["page"]).write_text(call_page.render(call=call, root="../", **common), encoding="utf-8")
    return {"index": index, "agents": out_dir / "agents", "calls": out_dir / "calls"}


def _rule_packs(rules_dir: Optional[Path], names: set[str], language: str) -> dict:
    """Rule descriptions (for coaching; the interface language's pack wins) and the pass mark, from the
    packs named in the results, when they are found in ``rules_dir``."""
    from .ruleset import load_ruleset

    rules_dir = rules_dir or Path(__file__).resolve().parent.parent / "rules"
    packs = []
    for name in sorted(n for n in names if n):
        try:
            packs.append(load_ruleset(rules_dir / f"{name}.yaml"))
        except Exception:  # noqa: BLE001 - a custom pack stored elsewhere: coach without descriptions
            continue
    descriptions, pass_scores = {}, set()
    for pack in sorted(packs, key=lambda p: p.language == language):
        pass_scores.add(pack.pass_score)
        descriptions.update({rule.id: rule.description for rule in pack.rules if rule.description})
    return {"descriptions": descriptions, "pass_score": pass_scores.pop() if len(pass_scores) == 1 else None}
