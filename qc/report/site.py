"""From stored rows to what every page is made of: the static report and ``qc serve`` share this.

:func:`parse_calls` picks the interface language and the rule packs and turns the rows
(``Store.latest_calls``, reviews attached) into each call's published JSON and the reviewed
document the pages show (what they add to a stored failure reason, in the interface language); :func:`call_views` makes the call views from them, given how each
call's audio is reached.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Optional

from ..redact import mask_meta
from ..rules.review import stored_form
from ..schema import CallAnalysis, CallMeta, analysis_from_dict, call_json, score_from_dict
from .i18n import interface_language, translator
from .options import ReportOptions
from .pages import rule_packs
from .reviewed import review_docs
from .scorecards import call_view


@dataclass(frozen=True)
class Parsed:
    """One stored call: its row, its published JSON, the reviewed document the pages show, and
    its analysis when it was scored."""

    row: dict
    doc: dict
    shown: dict
    analysis: Optional[CallAnalysis]


def parse_calls(rows: list[dict], options: ReportOptions, redact: bool,
                cache: Optional[dict] = None) -> tuple[list[Parsed], str, dict]:
    """The calls, the interface language and the rule packs (descriptions, pass marks). ``cache`` keeps
    each stored row's parsed JSON and analysis between calls (a row changes with its ``updated_at``)."""
    cache = {} if cache is None else cache
    language = interface_language(options.ui_language, [((row.get("analysis") or {}).get("transcript") or {})
                                                         .get("language") for row in rows
                                                         if row["status"] == "ok" and selected(row, options)])
    plain = []
    for row in rows:
        key = (row.get("call_key"), row.get("updated_at"), row.get("status"), redact, language)
        if key not in cache:
            cache[key] = parse_row(row, redact, language)
        plain.append((row, *cache[key]))
    packs = rule_packs(options.rules_dir, {row.get("rules_name") or "" for row in rows}, language)
    parsed = [Parsed(row, *review_docs(doc, row.get("review"), packs["pass_scores"].get(row.get("rules_name") or ""),
                                       stored_form(row.get("score_detail") or {})), analysis)
              for row, doc, analysis in plain]
    return parsed, language, packs


def call_views(parsed: list[Parsed], audio_of: Callable[[dict], dict]) -> list[dict]:
    """Every call's view; ``audio_of(shown)`` says how its recording is played."""
    return [call_view(p.shown, p.analysis, audio_of(p.shown), p.row.get("processing_s") or 0.0) for p in parsed]


def selected(doc: dict, options: ReportOptions) -> bool:
    return ((options.team is None or doc["team"] == options.team)
            and (options.agent is None or doc["agent_id"] == options.agent))


def parse_row(row: dict, redact: bool = False, language: str = "en"):
    """The call's published JSON and its analysis when scored; what the JSON adds to a stored
    failure reason (interrupted, quarantined) is said in ``language``."""
    t = translator(language)
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
        error = t("error_interrupted")
    elif status == "quarantined":
        error = t("error_quarantined", attempts=row.get("attempts") or t("several"), error=error)
    shown = status if status in ("ok", "empty", "quarantined") else "failed"
    return call_json(meta, analysis, score, error, row.get("call_uid") or "", shown), (analysis if score else None)
