"""The reviewed score: a call's machine verdicts with the human decisions applied (pure).

A *finding* is a failed rule of a call with its evidence. :func:`finding_key` names it by
the rule id, the evidence's span and a hash of its text, so a decision still matches after
the call is re-scored when the evidence is the same, and is flagged when it is not.

What decides a rule's status, strongest first::

    1. an appeal a QA lead accepted         the finding is overturned: the rule passes
    2. a status a reviewer set (a reason)   pass, fail or na, whatever the machine says now
    3. a finding marked false positive      the rule passes
    4. the machine's verdict

A decision or appeal made on other evidence than the current one (the rules or the
transcript changed since) is kept and shown, flagged ``evidence_changed``, and not applied
until someone decides again; one whose finding is gone is flagged ``finding_gone``. A
status set on a rule whose machine verdict changed since is still applied, flagged
``machine_changed``.

The score is the machine's formula on the decided statuses: 100 minus the points of the
failed rules, plus the manual items, within 0 to 100, and 0 when a fatal rule fails. With
no human change applied it is the machine's score itself, whatever formula made that.
"""

from __future__ import annotations

import hashlib
from typing import Optional

DEFAULT_PASS_SCORE = 80.0  # a rule pack's own default, for packs qc cannot find again
FINDING_DECISIONS = ("confirmed", "false_positive")
RULE_STATUSES = ("pass", "fail", "na")


def finding_key(rule: dict) -> str:
    """``rule-id@start-end#hash`` of a rule's evidence (a rule result as stored): what a decision on
    its finding was made on."""
    evidence = rule["evidence"]
    digest = hashlib.sha256("\n".join(f"{e['start_s']:.2f} {e['end_s']:.2f} {e['text']}" for e in evidence)
                            .encode()).hexdigest()[:10]
    if not evidence:
        return f"{rule['rule_id']}#{digest}"
    return f"{rule['rule_id']}@{evidence[0]['start_s']:.2f}-{max(e['end_s'] for e in evidence):.2f}#{digest}"


def empty_review() -> dict:
    """The review of a call nobody has touched: the shape ``apply_review`` reads."""
    return {"status": "open", "signed_by": None, "signed_at": None, "findings": {}, "rules": {}, "items": [],
            "appeals": [], "audit": []}


def apply_review(rules: list[dict], machine_score: float, machine_passed: bool, review: Optional[dict],
                 pass_score: Optional[float] = None) -> dict:
    """The call's rules with their decided status and the reviewed score, beside the machine's.

    Each rule gains ``machine_status``, ``finding_key``, ``decision`` (on its finding),
    ``rule_decision`` (a status set), ``appeal`` (the latest on its finding), ``decided_by``
    (what set its status: appeal, rule, finding or machine) and ``flags``."""
    review = review or empty_review()
    decided = [_decide(rule, review) for rule in rules]
    items = list(review["items"])
    changed = bool(items) or any(r["status"] != r["machine_status"] for r in decided)
    if changed:
        fatal = any(r["fatal"] and r["status"] == "fail" for r in decided)
        deducted = sum(r["points"] for r in decided if r["status"] == "fail")
        score = 0.0 if fatal else min(100.0, max(0.0, 100.0 - deducted + sum(i["points"] for i in items)))
        mark = DEFAULT_PASS_SCORE if pass_score is None else pass_score
        passed = not fatal and score >= mark
    else:
        fatal = any(r["fatal"] and r["status"] == "fail" for r in decided)
        score, passed = machine_score, machine_passed
    present = {r["rule_id"] for r in rules}  # decisions on rules the pack no longer has are gone too
    gone = ({*review["findings"], *review["rules"], *(a["rule_id"] for a in review["appeals"])}) - present
    return {"rules": decided, "score": round(score, 2), "passed": passed, "fatal_failed": fatal,
            "machine_score": machine_score, "machine_passed": machine_passed, "changed": changed,
            "items": items, "status": review["status"], "signed_by": review["signed_by"],
            "signed_at": review["signed_at"], "appeals": review["appeals"], "audit": review["audit"],
            "flagged": sum(bool(r["flags"]) for r in decided) + len(gone),
            "open_appeals": sum(a["status"] == "open" for a in review["appeals"])}


def _decide(rule: dict, review: dict) -> dict:
    key, machine_failed = finding_key(rule), rule["status"] == "fail"
    finding = review["findings"].get(rule["rule_id"])
    set_status = review["rules"].get(rule["rule_id"])
    appeals = [a for a in review["appeals"] if a["rule_id"] == rule["rule_id"]]
    appeal = appeals[-1] if appeals else None
    flags, status, by = set(), rule["status"], "machine"
    if finding:
        if not machine_failed:
            flags.add("finding_gone")
        elif finding["finding_key"] != key:
            flags.add("evidence_changed")
        elif finding["decision"] == "false_positive":
            status, by = "pass", "finding"
    if set_status:
        status, by = set_status["status"], "rule"
        if set_status["machine_status"] != rule["status"]:
            flags.add("machine_changed")
    if appeal and appeal["finding_key"] != key:
        flags.add("evidence_changed")
    elif appeal and appeal["status"] == "accepted":
        status, by = "pass", "appeal"
    return {**rule, "status": status, "machine_status": rule["status"], "finding_key": key, "decision": finding,
            "rule_decision": set_status, "appeal": appeal, "decided_by": by, "flags": sorted(flags)}
