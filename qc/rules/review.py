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

The score is the machine's formula on the decided statuses: the call's scoring form
(:mod:`qc.rules.forms`, kept with its score) counts them as it counted the machine's (the
bonus of each passed rule, per-hit deductions within their cap, weighted sections), then the
manual items are added, within 0 and the form's maximum, and a failed fatal rule makes it 0.
A rule a reviewer fails deducts its points and one hit; one a reviewer passes earns its
bonus. Calls scored before forms were kept count as 100 minus the failed rules' points. With
no human change applied it is the machine's score itself.
"""

from __future__ import annotations

import hashlib
from typing import Optional

from ..schema import RuleResult
from .forms import DEFAULT_MAX_SCORE, Section, deduction, form_score

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
                 pass_score: Optional[float] = None, form: Optional[dict] = None) -> dict:
    """The call's rules with their decided status and the reviewed score, beside the machine's.
    ``form``: the call's scoring form as kept with its score (``CallScore.form``); its pass mark
    wins over ``pass_score`` (the pack's, for calls scored before forms were kept).

    Each rule gains ``machine_status``, ``finding_key``, ``decision`` (on its finding),
    ``rule_decision`` (a status set), ``appeal`` (the latest on its finding), ``decided_by``
    (what set its status: appeal, rule, finding or machine) and ``flags``; a rule whose status
    changed counts the ``points`` and ``bonus`` of its new status."""
    review, form = review or empty_review(), form or {}
    decided = [_counted(_decide(rule, review), form.get("rules", {}).get(rule["rule_id"], {})) for rule in rules]
    items = list(review["items"])
    changed = bool(items) or any(r["status"] != r["machine_status"] for r in decided)
    fatal = any(r["fatal"] and r["status"] == "fail" for r in decided)
    sections = None
    if changed:
        score, sections = reviewed_score(decided, items, form)
        mark = form.get("pass_score", DEFAULT_PASS_SCORE if pass_score is None else pass_score)
        passed = not fatal and score >= mark
    else:
        score, passed = machine_score, machine_passed
    present = {r["rule_id"] for r in rules}  # decisions on rules the pack no longer has are gone too
    gone = ({*review["findings"], *review["rules"], *(a["rule_id"] for a in review["appeals"])}) - present
    return {"rules": decided, "score": round(score, 2), "passed": passed, "fatal_failed": fatal,
            "machine_score": machine_score, "machine_passed": machine_passed, "changed": changed,
            "items": items, "status": review["status"], "signed_by": review["signed_by"],
            "signed_at": review["signed_at"], "appeals": review["appeals"], "audit": review["audit"],
            "flagged": sum(bool(r["flags"]) for r in decided) + len(gone), "sections": sections,
            "open_appeals": sum(a["status"] == "open" for a in review["appeals"])}


def stored_form(detail: dict) -> dict:
    """The scoring form a stored score (``score_detail``) was counted by: kept with it, else (scored
    before it was kept) the sections its subtotals name."""
    return detail.get("form") or {"sections": [s[:3] for s in detail.get("sections") or ()]}


def reviewed_score(rules: list[dict], items: list[dict], form: dict) -> tuple[float, Optional[list[dict]]]:
    """The score of these (decided) rules as the call's scoring form counts them, with
    :func:`qc.rules.forms.form_score`, plus the manual ``items``; and the sections' subtotals
    (``id``, ``title``, ``weight``, ``score``; None without sections). Rules as stored or as
    :func:`apply_review` decides them: unchanged, it gives the machine's score."""
    results = tuple(RuleResult(r["rule_id"], r.get("title", ""), r["status"], r.get("severity", ""), r["points"],
                               r["fatal"], bonus=r.get("bonus", 0.0) if r["status"] == "pass" else 0.0,
                               section=r.get("section", "")) for r in rules)
    top = form.get("max_score", DEFAULT_MAX_SCORE)
    total, sections = form_score(results, tuple(Section(*s) for s in form.get("sections", ())), top)
    if items:
        total = min(top, max(0.0, total + sum(i["points"] for i in items)))
    score = 0.0 if any(r.fatal and r.status == "fail" for r in results) else total
    return round(score, 2), [dict(zip(("id", "title", "weight", "score"), s)) for s in sections] or None


def _counted(rule: dict, form: dict) -> dict:
    """What a decided rule counts: a rule failed by a reviewer deducts its points and one hit (within
    the rule's cap); one passed by a reviewer earns the rule's bonus."""
    if rule["status"] == rule["machine_status"]:
        return rule
    points = rule["points"]
    if rule["status"] == "fail":  # the machine's points are its own: deducted when it failed, else the rule's
        points = deduction(points, form.get("per_hit"), form.get("max_deduction"), 0)
    return {**rule, "points": points, "bonus": form.get("bonus", 0.0) if rule["status"] == "pass" else 0.0}


def human_status(rule: dict) -> Optional[str]:
    """A person's verdict on one rule of a call (a rule as :func:`apply_review` decides it): the status
    a reviewer set, a finding marked false positive or an appeal accepted (pass), a finding
    confirmed or an appeal rejected (fail); None where only the machine judged it, or where the
    decision was made on evidence that has changed since (kept, flagged, not applied)."""
    if rule["decided_by"] != "machine":
        return rule["status"]
    finding, appeal, key = rule["decision"], rule["appeal"], rule["finding_key"]
    confirmed = bool(finding) and finding["decision"] == "confirmed" and finding["finding_key"] == key
    rejected = bool(appeal) and appeal["status"] == "rejected" and appeal["finding_key"] == key
    return "fail" if rule["machine_status"] == "fail" and (confirmed or rejected) else None


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
