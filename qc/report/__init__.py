"""Write a report from stored calls: per-call JSON, exports, audio copies and HTML scorecards.

``qc run``, ``qc score`` and ``qc report`` all end here, in :func:`write_outputs`. It reads
plain dictionaries (rows from ``Store.latest_calls``), never a cursor, and never decodes
audio into samples (the audio copies are transcoded by ffmpeg).

Pages (self-contained: styles, scripts and charts inline, no network)::

    index.html               team overview: agents ranked per team, most failed rules, trend, batch
    agents/<agent_id>.html   an agent's scorecard against the team, coaching points, worst calls
    calls/<call_id>-<uid>.html  one call: player, timeline, transcript as a chat, clickable findings

The modules: ``scorecards`` (what the pages show, pure), ``pages`` (templates), ``exports``
(the writer table: json, rttm, srt, vtt, txt, csv, parquet), ``subtitles`` (a call's
transcript as srt, vtt and txt), ``audio`` (playable copies), ``charts`` (inline SVG) and
``i18n`` (interface texts).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .. import __version__
from ..errors import ConfigError, environment_errors
from ..redact import mask_meta
from ..schema import CallMeta, analysis_from_dict, call_json, score_from_dict
from .audio import AUDIO_MODES, publish_audio
from .exports import FINDING_COLUMNS, PER_CALL_FORMATS, RESULT_COLUMNS, write_exports
from .options import ReportOptions
from .i18n import interface_language
from .pages import render_pages, rule_packs
from .scorecards import call_stem, call_view, safe_name
from .state import RenderState, fingerprint, plan_render

# What a call's page and files are made from, besides what every page shares (time stamps are
# too coarse: two updates can share a second)
PAGE_INPUTS = ("call_key", "call_id", "path", "agent_id", "agent_name", "team", "started_at", "status", "error",
               "attempts", "score", "rules_name", "rules_hash", "processing_s", "updated_at", "extra")
__all__ = ["ReportOptions", "write_outputs", "call_document", "safe_name", "RESULT_COLUMNS", "FINDING_COLUMNS"]


def call_document(row: dict) -> dict:
    """The published JSON of one stored call."""
    return _parse(row)[0]


def _parse(row: dict, redact: bool = False):
    stored = (row.get("analysis") or {}).get("meta") or {}
    meta = CallMeta(call_id=row["call_id"], path=row["path"], agent_id=row["agent_id"],
                    agent_name=row["agent_name"], team=row["team"], started_at=row["started_at"],
                    direction=stored.get("direction", ""), extra=row.get("extra") or {})
    if redact:  # PBX files are often named after the caller's number
        meta = mask_meta(meta)
    status = row["status"]
    analysis = analysis_from_dict(row["analysis"]) if row.get("analysis") and status in ("ok", "empty") else None
    score = score_from_dict(row["score_detail"]) if row.get("score_detail") and status == "ok" else None
    if score is not None and not score.rules_version:  # scored before versions were kept in the score
        score = replace(score, rules_version=row.get("rules_hash") or "")
    error = row["error"] if status != "ok" else None
    if status == "processing":
        error = "interrupted while processing; will be retried on the next run"
    elif status == "quarantined":
        error = f"quarantined after failing {row.get('attempts') or 'several'} times (qc run --retry-quarantined): {error}"
    shown = status if status in ("ok", "empty", "quarantined") else "failed"
    return call_json(meta, analysis, score, error, row.get("call_uid") or "", shown), (analysis if score else None)


def write_outputs(rows: list[dict], out_dir: Path, batch: dict | None = None,
                  options: ReportOptions | None = None) -> dict[str, Path]:
    """Write everything under ``out_dir``; return the main paths.

    ``rows`` are the calls of the period; team norms are computed over all of them, pages and
    exports are written for those ``options.team`` / ``options.agent`` select.
    """
    options = options or ReportOptions()
    if options.audio not in AUDIO_MODES:
        raise ValueError(f"audio must be one of {', '.join(AUDIO_MODES)}, not {options.audio!r}")
    redact = options.redact or any("redacted" in ((row.get("analysis") or {}).get("transcript") or {})
                                   for row in rows)
    if redact and options.audio == "link":
        raise ConfigError("with redaction, --audio link would publish the original recordings unmasked; use "
                          "--audio copy (personal numbers silenced) or --audio none")
    with environment_errors(f"writing reports to {out_dir}"):
        for folder in (out_dir, out_dir / "calls", out_dir / "agents"):
            folder.mkdir(parents=True, exist_ok=True)
        parsed = [(row, *_parse(row, redact)) for row in rows]
        chosen = {doc["uid"] for _, doc, _ in parsed if _selected(doc, options)}
        docs = [doc for _, doc, _ in parsed if doc["uid"] in chosen]
        language = interface_language(options.ui_language, [d["language"] for d in docs if d["status"] == "ok"])
        packs = rule_packs(options.rules_dir, {row.get("rules_name") or "" for row, _, _ in parsed}, language)
        previous = RenderState.load(out_dir)
        muted = {doc["uid"]: ((row.get("analysis") or {}).get("transcript") or {}).get("redacted") or []
                 for row, doc, _ in parsed if doc["uid"] in chosen} if redact else None
        audio = publish_audio([(doc["uid"], call_stem(doc), row["path"]) for row, doc, _ in parsed
                               if doc["uid"] in chosen], out_dir, options.audio,
                              no_copy={d["uid"] for d in docs if d["started_at"] < previous.audio_before}, muted=muted)
        present = {d["uid"] for d in docs if (out_dir / "calls" / f"{call_stem(d)}.html").is_file()}
        shared = fingerprint(__version__, language, options.audio, options.since, options.until, options.team,
                             options.agent, packs["pass_score"], redact,
                             [f for f in options.formats if f in PER_CALL_FORMATS])  # new formats: every call
        changed, teams, state = plan_render(previous, shared, {
            doc["uid"]: (fingerprint([row.get(k) for k in PAGE_INPUTS], audio.get(doc["uid"])), doc["team"])
            for row, doc, _ in parsed if doc["uid"] in chosen}, present)
        analyses = {doc["uid"]: row.get("analysis") for row, doc, _ in parsed if doc["uid"] in changed}
        paths = write_exports(docs, analyses, out_dir, changed, options.formats)
        views = [call_view(doc, analysis, audio.get(doc["uid"], {"mode": "none", "src": None}),
                           row.get("processing_s") or 0.0) for row, doc, analysis in parsed]
        paths.update(render_pages(views, chosen, out_dir, batch or {}, options, language, packs, changed, teams))
        state.save(out_dir)  # last: a run stopped before here writes everything again next time
    return paths


def _selected(doc: dict, options: ReportOptions) -> bool:
    return ((options.team is None or doc["team"] == options.team)
            and (options.agent is None or doc["agent_id"] == options.agent))


def purge_files(out_dir: Path, docs: list[dict], audio_only: bool) -> int:
    """Delete the files of these calls (``docs`` as published): their audio copies, and unless
    ``audio_only`` their pages and exports too. Returns how many files went."""
    removed = 0
    with environment_errors(f"purging {out_dir}"):
        for doc in docs:
            stem = call_stem(doc)
            targets = [out_dir / "audio" / f"{stem}.mp3"]
            if not audio_only:
                targets += [out_dir / "calls" / f"{stem}.{ext}" for ext in ("html", *PER_CALL_FORMATS)]
            for path in targets:
                if path.is_file():
                    path.unlink()
                    removed += 1
    return removed


def keep_no_audio_before(out_dir: Path, before: str) -> None:
    """Audio retention of a report folder: calls started before ``before`` get no copy again."""
    state = RenderState.load(out_dir)
    state.audio_before = max(state.audio_before, before)
    state.save(out_dir)
