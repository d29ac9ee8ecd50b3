"""Write a report from stored calls: per-call JSON, exports, audio copies and HTML scorecards.

``qc run``, ``qc score`` and ``qc report`` all end here, in :func:`write_outputs`. It reads
plain dictionaries (rows from ``Store.latest_calls``), never a cursor, and never decodes
audio into samples (the audio copies are transcoded by ffmpeg).

Pages (self-contained: styles, scripts and charts inline, no network)::

    index.html               team overview: agents ranked worst first per team, most failed rules, trend
    agents/<agent_id>.html   an agent's scorecard against the team, coaching points, worst calls
    calls/<call_id>-<uid>.html  one call: player, timeline, transcript as a chat, clickable findings,
                             its human review
    rules/<rule_id>.html     a failed rule's failing calls
    compare.html             the newest week against the week before, team against team
    search.html              calls by phrase, rule, agent and date (an inline index)

The modules: ``site`` (rows to documents and views, shared with ``qc serve``), ``reviewed``
(what a review changes on the pages and in the JSON), ``scorecards`` (what the pages show,
pure), ``insights`` (rule pages, comparison, search; pure), ``pages`` (templates),
``exports`` (the writer table: json, rttm, srt, vtt, txt, csv, parquet), ``subtitles`` (a
call's transcript as srt, vtt and txt), ``audio`` (playable copies), ``charts`` (inline SVG)
and ``i18n`` (interface texts).
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..errors import ConfigError, environment_errors
from .audio import AUDIO_MODES, publish_audio
from .exports import FINDING_COLUMNS, PER_CALL_FORMATS, RESULT_COLUMNS, write_exports
from .options import ReportOptions
from .pages import render_pages
from .scorecards import call_stem, safe_name
from .site import call_views, parse_calls, parse_row, selected as _selected
from .state import RenderState, fingerprint, plan_render

# What a call's page and files are made from, besides what every page shares (time stamps are
# too coarse: two updates can share a second); its review is part of it too
PAGE_INPUTS = ("call_key", "call_id", "path", "agent_id", "agent_name", "team", "started_at", "status", "error",
               "attempts", "score", "rules_name", "rules_hash", "processing_s", "updated_at", "extra", "review")
__all__ = ["ReportOptions", "write_outputs", "call_document", "safe_name", "RESULT_COLUMNS", "FINDING_COLUMNS"]


def call_document(row: dict) -> dict:
    """The published JSON of one stored call (without its review)."""
    return parse_row(row)[0]


def write_outputs(rows: list[dict], out_dir: Path, batch: dict | None = None,
                  options: ReportOptions | None = None) -> dict[str, Path]:
    """Write everything under ``out_dir``; return the main paths.

    ``rows`` are the calls of the period; team norms are computed over all of them, pages and
    exports are written for those ``options.team`` / ``options.agent`` select. Scores and
    verdicts on the pages are the reviewed ones (``row["review"]``); the JSON keeps both.
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
        for folder in (out_dir, out_dir / "calls", out_dir / "agents", out_dir / "rules"):
            folder.mkdir(parents=True, exist_ok=True)
        parsed, language, packs = parse_calls(rows, options, redact)
        chosen = {p.doc["uid"] for p in parsed if _selected(p.doc, options)}
        docs = [p.doc for p in parsed if p.doc["uid"] in chosen]
        previous = RenderState.load(out_dir)
        muted = {p.doc["uid"]: ((p.row.get("analysis") or {}).get("transcript") or {}).get("redacted") or []
                 for p in parsed if p.doc["uid"] in chosen} if redact else None
        audio = publish_audio([(p.doc["uid"], call_stem(p.doc), p.row["path"]) for p in parsed
                               if p.doc["uid"] in chosen], out_dir, options.audio,
                              no_copy={d["uid"] for d in docs if d["started_at"] < previous.audio_before}, muted=muted)
        present = {d["uid"] for d in docs if (out_dir / "calls" / f"{call_stem(d)}.html").is_file()}
        shared = fingerprint(__version__, language, options.audio, options.since, options.until, options.team,
                             options.agent, packs["pass_score"], redact,
                             [f for f in options.formats if f in PER_CALL_FORMATS])  # new formats: every call
        changed, teams, state = plan_render(previous, shared, {
            p.doc["uid"]: (fingerprint([p.row.get(k) for k in PAGE_INPUTS], audio.get(p.doc["uid"])), p.doc["team"])
            for p in parsed if p.doc["uid"] in chosen}, present)
        analyses = {p.doc["uid"]: p.row.get("analysis") for p in parsed if p.doc["uid"] in changed}
        paths = write_exports(docs, analyses, out_dir, changed, options.formats)
        views = call_views(parsed, lambda shown: audio.get(shown["uid"], {"mode": "none", "src": None}))
        paths.update(render_pages(views, chosen, out_dir, batch or {}, options, language, packs, changed, teams))
        state.save(out_dir)  # last: a run stopped before here writes everything again next time
    return paths


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
