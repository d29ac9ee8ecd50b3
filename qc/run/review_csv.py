"""Reviews as CSV, for teams that review in a spreadsheet (``qc review export`` / ``import``).

The export has one row per rule of each scored call (with ``--findings-only``, per machine
finding) and one per manual score item, with the review so far filled in. A reviewer fills
``decision`` (confirmed | false_positive, on a machine finding), ``new_status`` (pass | fail |
na | machine, with a reason in ``comment``) or adds an item row (the call's ``call_uid``,
``points`` and, in ``comment``, what for), puts their name in ``reviewer`` (``decided_by``
says who decided what is there already) and imports the sheet again. Each change goes
through the same actions as ``qc serve`` (roles, audit rows marked ``via: import``); a row
whose finding changed since the export (re-scored) is refused and listed, and importing the
same sheet twice changes nothing the second time (a new item row whose points and label a
call's item already has counts as imported). UTF-8 with a BOM on the way out (Excel
reads the Chinese text); UTF-8, UTF-16 or GB18030 (what Excel saves on a Chinese Windows) on
the way in; cells a spreadsheet would run as formulas are written with a leading ``'`` that
the import takes off again.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO, Optional

from ..errors import ReviewError
from ..report.exports import FORMULA_START, spreadsheet_safe
from ..rules.review import apply_review, stored_form
from ..text import decode_text
from .review_actions import Actor, Reviews
from .reviews import pack_pass_score

COLUMNS = ("call_uid", "call_id", "agent_id", "agent_name", "team", "started_at", "rule_id", "title",
           "machine_status", "status", "finding_key", "evidence", "decision", "new_status", "item_id", "points",
           "comment", "decided_by", "reviewer")


@dataclass
class ImportResult:
    changed: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def export_reviews(rows: list[dict], out: IO[str], findings_only: bool = False) -> int:
    """Write the sheet of the stored ``rows`` (``Store.latest_calls``, reviews attached); return its rows."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for row in rows:
        if row["status"] != "ok" or not row.get("score_detail"):
            continue
        detail, review = row["score_detail"], row.get("review")
        state = apply_review(detail["rules"], detail["score"], detail["passed"], review,
                             pack_pass_score(row.get("rules_name") or ""), stored_form(detail))
        call = {k: row[k] for k in ("call_id", "agent_id", "agent_name", "team", "started_at")}
        for rule in state["rules"]:
            if findings_only and rule["machine_status"] != "fail":
                continue
            finding = rule["decision"] if rule["decision"] and not rule["flags"] else None
            made = rule["rule_decision"]
            writer.writerow(_safe({
                **call, "call_uid": row["call_uid"], "rule_id": rule["rule_id"], "title": rule["title"],
                "machine_status": rule["machine_status"], "status": rule["status"],
                "finding_key": rule["finding_key"] if rule["machine_status"] == "fail" else "",
                "evidence": " | ".join(e["text"] for e in rule["evidence"]),
                "decision": finding["decision"] if finding else "", "new_status": made["status"] if made else "",
                "comment": (made or finding or {}).get("comment", ""),
                "decided_by": (made or finding or {}).get("by", "")}))
            count += 1
        for item in state["items"]:
            writer.writerow(_safe({**call, "call_uid": row["call_uid"], "item_id": item["id"],
                                   "points": item["points"], "comment": item["label"],
                                   "decided_by": item["by"]}))
            count += 1
    return count


def import_reviews(data: bytes, reviews: Reviews, reviewer: Optional[str] = None,
                   role: str = "reviewer") -> ImportResult:
    """Apply a filled-in sheet, as ``role``; ``reviewer`` acts for rows without a name of their own."""
    text = decode_text(data)
    if text is None:
        raise ReviewError("unknown text encoding; save the sheet as UTF-8 or GB18030 (GBK) CSV")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"call_uid", "rule_id", "finding_key", "decision", "new_status", "comment"} - set(reader.fieldnames or ())
    if missing:
        raise ReviewError(f"the sheet lacks the columns {', '.join(sorted(missing))} (export one with qc review "
                          "export)")
    result = ImportResult()
    for line, raw in enumerate(reader, start=2):
        cells = {k: _unsafe((v or "").strip()) for k, v in raw.items() if k}
        try:
            changes = _apply(cells, reviews, cells.get("reviewer") or reviewer, role)
        except ReviewError as exc:
            result.refused.append((line, str(exc)))
            continue
        result.changed += changes
        result.unchanged += not changes
    return result


def _apply(cells: dict, reviews: Reviews, name: Optional[str], role: str) -> int:
    uid, rule_id = cells.get("call_uid", ""), cells.get("rule_id", "")
    decision, status, comment = cells.get("decision", ""), cells.get("new_status", ""), cells.get("comment", "")
    points = cells.get("points", "")
    if not (decision or status or (points and not rule_id and not cells.get("item_id"))):
        return 0
    if not name:
        raise ReviewError("no reviewer: fill the reviewer column or pass --reviewer")
    actor = Actor(name, role)
    before = reviews.state(uid)
    if not rule_id:  # a new item; one with the same points and label is taken as this row imported before
        try:
            value = float(points)
        except ValueError:
            raise ReviewError(f"points: expected a number, found {points!r}") from None
        if any(i["points"] == value and i["label"] == comment for i in before["items"]):
            return 0
        reviews.add_item(actor, uid, value, comment)
        return 1
    if decision:
        reviews.decide_finding(actor, uid, rule_id, cells.get("finding_key", ""), decision, comment)
    if status:
        reviews.set_rule_status(actor, uid, rule_id, status, comment)
    after = reviews.state(uid)
    return int(len(after["audit"]) > len(before["audit"]))


def _safe(record: dict) -> dict:
    return {k: spreadsheet_safe(v) for k, v in record.items()}


def _unsafe(value: str) -> str:
    """What ``spreadsheet_safe`` wrote, back: ``'=x`` was ``=x``."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value
