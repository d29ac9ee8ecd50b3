"""Score one call against a rule set (pure): run every rule's check, deduct, apply fatals."""

from __future__ import annotations

from .checks import CHECKS
from .ruleset import RuleSet
from .schema import CallScore, RuleResult, Transcript


def score_call(transcript: Transcript, ruleset: RuleSet) -> CallScore:
    results = []
    for rule in ruleset.rules:
        verdict = CHECKS[rule.check].check(transcript, rule.options)
        results.append(RuleResult(rule_id=rule.id, title=rule.title, status=verdict.status,
                                   severity=rule.severity, points=rule.points, fatal=rule.fatal,
                                   category=rule.category, reason=verdict.reason, evidence=verdict.evidence))
    deducted = sum(r.points for r in results if r.status == "fail")
    fatal_failed = any(r.fatal and r.status == "fail" for r in results)
    score = 0.0 if fatal_failed else max(0.0, 100.0 - deducted)
    return CallScore(rules=tuple(results), score=score, passed=not fatal_failed and score >= ruleset.pass_score,
                     fatal_failed=fatal_failed, rules_name=ruleset.name)
