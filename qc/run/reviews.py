"""Human review of scored calls, stored beside them (migration ``0005_reviews``): the reading side.

::

    reviews           a reviewed call: open or signed, by whom, when
    review_decisions  per call and rule: a decision on its finding (confirmed | false_positive, with the
                      finding key decided on) or a status set on the rule (pass | fail | na, a reason),
                      with the machine's status at the time
    review_items      manual score items (plus or minus points, a label); removed ones keep their row
    appeals           an agent's appeal of a finding, a QA lead's accept or reject, the ruling that closes it
    review_audit      every action: who, role, when, what, before and after (JSON, with the reviewed score)

All are keyed by ``call_uid``, so a re-analysis or re-scoring of the call keeps them. The actions
that write them are :mod:`qc.run.review_actions`; how decisions become the reviewed score is
:mod:`qc.rules.review`.
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from typing import Iterable, Optional

from ..rules.review import apply_review, empty_review, human_status, stored_form
from ..rules.ruleset import RULES_DIR, load_ruleset


@lru_cache(maxsize=64)
def pack_pass_score(rules_name: str) -> Optional[float]:
    """The pass mark of a packaged rule pack, for calls scored before their form (and its pass mark)
    was kept with their score; None when qc cannot find the pack again."""
    try:
        return load_ruleset(RULES_DIR / f"{rules_name}.yaml").pass_score
    except Exception:  # noqa: BLE001 - a pack stored elsewhere: the default mark
        return None


def rows_of(db: sqlite3.Connection, sql: str, params=()) -> list[sqlite3.Row]:
    """Rows by column name, whatever the connection's own row factory."""
    cursor = db.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, params).fetchall()


def reviews_of(db: sqlite3.Connection, uids: Optional[Iterable[str]] = None) -> dict[str, dict]:
    """The reviews of these calls (every reviewed call when None) in the shape ``apply_review`` reads,
    with their audit trail; calls nobody touched are absent."""
    wanted = None if uids is None else set(uids)
    out: dict[str, dict] = {}

    def table(sql: str):
        for row in rows_of(db, sql):
            if wanted is None or row["call_uid"] in wanted:
                yield out.setdefault(row["call_uid"], empty_review()), row

    for review, row in table("SELECT * FROM reviews"):
        review.update(status=row["status"], signed_by=row["signed_by"], signed_at=row["signed_at"])
    for review, row in table("SELECT * FROM review_decisions ORDER BY decided_at"):
        made = {"machine_status": row["machine_status"], "comment": row["comment"], "by": row["decided_by"],
                "at": row["decided_at"], "finding_key": row["finding_key"]}
        if row["kind"] == "finding":
            review["findings"][row["rule_id"]] = {**made, "decision": row["decision"]}
        else:
            review["rules"][row["rule_id"]] = {**made, "status": row["decision"]}
    for review, row in table("SELECT * FROM review_items WHERE removed_at IS NULL ORDER BY id"):
        review["items"].append({"id": row["id"], "points": row["points"], "label": row["label"],
                                "by": row["added_by"], "at": row["added_at"]})
    for review, row in table("SELECT * FROM appeals ORDER BY id"):
        review["appeals"].append({**dict(row), "closed": row["closed_at"] is not None})
    for review, row in table("SELECT * FROM review_audit ORDER BY id"):
        review["audit"].append({**dict(row), "before": json.loads(row["before"]), "after": json.loads(row["after"])})
    return out


def attach_reviews(db: sqlite3.Connection, rows: list[dict]) -> list[dict]:
    """Stored call rows with their review (None when nobody reviewed the call) under ``review``."""
    found = reviews_of(db) if rows else {}
    for row in rows:
        row["review"] = found.get(row.get("call_uid"))
    return rows


def drop_orphans(db: sqlite3.Connection) -> None:
    """Retention: the reviews of calls no longer stored go with them (in the caller's transaction)."""
    for table in ("reviews", "review_decisions", "review_items", "appeals", "review_audit"):
        db.execute(f"DELETE FROM {table} WHERE call_uid NOT IN (SELECT call_uid FROM calls)")


def flagged_calls(rows: list[dict]) -> list[str]:
    """The ids of the reviewed calls (rows with their reviews) holding a human decision whose finding
    changed or went since: after re-scoring with new rules, these want another look."""
    flagged = []
    for row in rows:
        detail = row.get("score_detail")
        if row.get("review") and row["status"] == "ok" and detail:
            state = apply_review(detail["rules"], detail["score"], detail["passed"], row["review"],
                                 pack_pass_score(row.get("rules_name") or ""), stored_form(detail))
            if state["flagged"]:
                flagged.append(row["call_id"])
    return flagged


def human_verdicts(rows: list[dict]) -> list[dict]:
    """What reviewers decided on each rule of these calls (rows with their reviews): ``call_uid``,
    ``call_id``, ``rule_id`` and ``status`` (pass, fail, na) for every rule a person judged
    (:func:`qc.rules.review.human_status`), for ``qc calibrate`` to set against the machine's."""
    verdicts = []
    for row in rows:
        detail = row.get("score_detail")
        if row.get("review") and row["status"] == "ok" and detail:
            for rule in apply_review(detail["rules"], detail["score"], detail["passed"], row["review"])["rules"]:
                status = human_status(rule)
                if status:
                    verdicts.append({"call_uid": row["call_uid"], "call_id": row["call_id"],
                                     "rule_id": rule["rule_id"], "status": status})
    return verdicts
