"""What the pages and the call JSON show of a call's human review (pure).

The published JSON keeps the machine's verdicts and score as they were and adds a ``review``
block (the reviewed score, who signed, every decision, item and appeal; null when nobody
reviewed the call). The pages are made from the reviewed document instead: each rule with
its decided status (and ``machine_status``), the reviewed score as ``score`` and the
machine's as ``machine_score``, so rankings, pass rates and rule fail rates count what the
reviewers decided.
"""

from __future__ import annotations

from typing import Optional

from ..rules.review import apply_review


def review_docs(doc: dict, review: Optional[dict], pass_score: Optional[float],
                form: Optional[dict] = None) -> tuple[dict, dict]:
    """``(published, shown)``: the call JSON with its ``review`` block, and what the pages show;
    ``form``: the scoring form kept with the call's score, which the reviewed score counts by."""
    if doc["status"] != "ok" or doc["score"] is None:
        return {**doc, "review": None}, {**doc, "review": None, "machine_score": None, "machine_passed": None}
    state = apply_review(doc["rules"], doc["score"], doc["passed"], review, pass_score, form)
    published = {**doc, "review": _summary(state) if review else None}
    shown = {**doc, "rules": state["rules"], "score": state["score"], "passed": state["passed"],
             "sections": doc["sections"] if state["sections"] is None else state["sections"],
             "machine_score": doc["score"], "machine_passed": doc["passed"], "review": state if review else None}
    return published, shown


def _summary(state: dict) -> dict:
    return {
        "score": state["score"], "passed": state["passed"], "status": state["status"],
        "signed_by": state["signed_by"], "signed_at": state["signed_at"],
        "decisions": [{"rule_id": r["rule_id"], "machine_status": r["machine_status"], "status": r["status"],
                       "decided_by": r["decided_by"], "flags": r["flags"],
                       "finding": r["decision"], "rule": r["rule_decision"]}
                      for r in state["rules"] if r["decision"] or r["rule_decision"] or r["flags"]],
        "items": state["items"],
        "appeals": [{k: a[k] for k in ("id", "rule_id", "status", "comment", "filed_by", "filed_at", "decided_by",
                                       "decided_at", "decision_comment", "ruling", "closed_by", "closed_at")}
                    for a in state["appeals"]],
    }
