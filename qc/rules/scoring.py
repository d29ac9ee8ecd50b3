"""Score one call against a rule set (pure): evaluate every rule, deduct, apply fatals. Reasons
and evidence are said in the set's language, beside its rule titles."""

from __future__ import annotations

from ..schema import CallAnalysis, CallScore, RuleResult
from .engine import evaluate_rule
from .providers import CheckModels
from .ruleset import RuleSet
from .variables import call_variables


def score_call(call: CallAnalysis, ruleset: RuleSet, models: CheckModels) -> CallScore:
    """``models`` are the run's: the checks that need a model take it from there."""
    results = []
    variables = call_variables(dict(ruleset.variables), call.meta)
    for rule in ruleset.rules:
        verdict = evaluate_rule(call, rule.conditions, rule.applies_when, rule.require, rule.forbid, models,
                                variables, language=ruleset.language)
        results.append(RuleResult(rule_id=rule.id, title=rule.title, status=verdict.status,
                                   severity=rule.severity, points=rule.points, fatal=rule.fatal,
                                   category=rule.category, reason=verdict.reason, evidence=verdict.evidence))
    deducted = sum(r.points for r in results if r.status == "fail")
    fatal_failed = any(r.fatal and r.status == "fail" for r in results)
    score = 0.0 if fatal_failed else max(0.0, 100.0 - deducted)
    return CallScore(rules=tuple(results), score=score, passed=not fatal_failed and score >= ruleset.pass_score,
                     fatal_failed=fatal_failed, rules_name=ruleset.name)
