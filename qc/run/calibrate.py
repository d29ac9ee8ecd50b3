"""``qc calibrate``: qc's verdicts against human reviewers', per rule (statistics: :mod:`qc.rules.calibration`).

Human verdicts come from a CSV of manual QA results (``call_id,rule_id,status``; an optional
``call_uid`` column names a call exactly where ids repeat, as they do night after night) and
from the reviews stored beside the calls (``qc serve``, ``qc review import``): what a person
decided on each rule, as :func:`qc.run.reviews.human_verdicts` reads it from the review
decisions and appeals; a review wins over a CSV row for the same call and rule (it is the
later judgement). Each is matched to the
newest stored analysis of its call among the calls of the period. A verdict whose call is not
there, whose call id several calls share, whose call was not scored, or whose rule the call's
set does not have is counted and left out, never guessed.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from ..errors import ConfigError
from ..rules.calibration import DEFAULT_MIN_KAPPA, STATUSES, Pair, RuleAgreement, rule_agreement
from ..text import decode_text

STATUS_ALIASES = {"n/a": "na", "not applicable": "na", "passed": "pass", "failed": "fail"}
SKIPPED = {  # why a human verdict was left out: key (the pages translate it) -> text
    "unknown_call": "call not among the stored calls of the period",
    "ambiguous_call": "call id shared by several calls of the period (add a call_uid column)",
    "not_scored": "call not scored (failed, empty or quarantined)",
    "unknown_rule": "rule not in the rule set the call was scored with",
}


@dataclass(frozen=True)
class HumanVerdict:
    call_id: str
    rule_id: str
    status: str  # pass | fail | na
    call_uid: str = ""
    source: str = ""  # where it was read: "labels.csv:12", "reviews"


@dataclass
class Calibration:
    rules: list[RuleAgreement]
    titles: dict[str, dict[str, str]]  # rule id -> language (zh, en) -> title, as the calls' results name it
    calls: dict[str, dict]  # call uid -> what the page shows of a call: id, agent, team, time, reasons by rule
    read: int = 0  # human verdicts read
    skipped: Counter = field(default_factory=Counter)  # why some were left out (a key of SKIPPED) -> how many


def read_labels(path: Path) -> list[HumanVerdict]:
    """Historical manual QA results: one line per call and rule; mistakes name the line."""
    if not path.is_file():
        raise ConfigError(f"{path}: labels file not found")
    text = decode_text(path.read_bytes())
    if text is None:
        raise ConfigError(f"{path}: unknown text encoding; save it as UTF-8 or GB18030 (GBK) CSV")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "rule_id" not in columns or "status" not in columns or not {"call_id", "call_uid"} & set(columns):
        raise ConfigError(f"{path}: expected columns call_id,rule_id,status (call_uid may replace or join "
                          f"call_id), found {','.join(columns) or 'none'}")
    verdicts, seen = [], {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        status = STATUS_ALIASES.get(row["status"].lower(), row["status"].lower())
        if status not in STATUSES:
            raise ConfigError(f"{path}:{line}: status {row['status']!r} is not pass, fail or na")
        if not row["rule_id"] or not (row.get("call_id") or row.get("call_uid")):
            raise ConfigError(f"{path}:{line}: a call (call_id or call_uid) and a rule_id are needed")
        key = (row.get("call_uid") or row.get("call_id"), row["rule_id"])
        if key in seen:
            raise ConfigError(f"{path}:{line}: call {key[0]} rule {key[1]} was labelled on line {seen[key]} already")
        seen[key] = line
        verdicts.append(HumanVerdict(row.get("call_id", ""), row["rule_id"], status, row.get("call_uid", ""),
                                     f"{path.name}:{line}"))
    return verdicts


def calibrate(rows: Sequence[dict], human: Sequence[HumanVerdict],
              min_kappa: float = DEFAULT_MIN_KAPPA) -> Calibration:
    """``rows``: the stored calls of the period (``Store.latest_calls``); ``human``: CSV verdicts
    first, then reviews, so that a later one for the same call and rule wins."""
    uids_by_id: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        uids_by_id[row["call_id"]].add(row["call_uid"])
    known = {row["call_uid"] for row in rows}
    skipped: Counter = Counter()
    chosen: dict[tuple[str, str], HumanVerdict] = {}
    for verdict in human:
        uid = _call_of(verdict, uids_by_id, known, skipped)
        if uid:
            chosen[uid, verdict.rule_id] = verdict
    pairs, titles, calls = [], {}, {}
    for row in rows:
        wanted = {rule_id for uid, rule_id in chosen if uid == row["call_uid"]}
        if not wanted:
            continue
        results = {r["rule_id"]: r for r in (row.get("score_detail") or {}).get("rules", [])}
        if row["status"] != "ok" or not results:
            skipped["not_scored"] += len(wanted)
            continue
        skipped["unknown_rule"] += len(wanted - set(results))
        calls[row["call_uid"]] = call = _call(row, results)
        for rule_id, result in results.items():  # in the set's order
            if rule_id in wanted:
                titles.setdefault(rule_id, {}).setdefault(call["language"][:2], result["title"])
                pairs.append(Pair(row["call_uid"], rule_id, result["status"], chosen[row["call_uid"], rule_id].status))
    return Calibration(rule_agreement(pairs, min_kappa), titles, calls, len(human), +skipped)


def _call_of(verdict: HumanVerdict, uids_by_id: dict, known: set, skipped: Counter) -> Optional[str]:
    if verdict.call_uid:
        if verdict.call_uid in known:
            return verdict.call_uid
        skipped["unknown_call"] += 1
        return None
    uids = uids_by_id.get(verdict.call_id, set())
    if len(uids) == 1:
        return next(iter(uids))
    skipped["ambiguous_call" if uids else "unknown_call"] += 1
    return None


def _call(row: dict, results: dict) -> dict:
    return {"call_id": row["call_id"], "uid": row["call_uid"], "agent_id": row["agent_id"],
            "agent_name": row["agent_name"], "team": row["team"], "started_at": row["started_at"],
            "language": ((row.get("analysis") or {}).get("transcript") or {}).get("language", ""),
            "reasons": {rule_id: r["reason"] for rule_id, r in results.items()}}
