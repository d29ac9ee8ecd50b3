"""Score one call against a rule set (pure): evaluate every rule, deduct and add as the set's
scoring form says (:mod:`qc.rules.forms`), apply fatals. Reasons and evidence are said in the
set's language, beside its rule titles."""

from __future__ import annotations

from ..schema import CallAnalysis, CallScore, RuleResult
from .engine import evaluate_rule
from .forms import deduction, form_record, form_score
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
        failed, passed = verdict.status == "fail", verdict.status == "pass"
        points = deduction(rule.points, rule.per_hit, rule.max_deduction, len(verdict.evidence)) if failed \
            else rule.points
        results.append(RuleResult(rule_id=rule.id, title=rule.title, status=verdict.status,
                                   severity=rule.severity, points=points, fatal=rule.fatal,
                                   category=rule.category, reason=verdict.reason, evidence=verdict.evidence,
                                   bonus=rule.bonus if passed else 0.0, section=rule.section))
    fatal_failed = any(r.fatal and r.status == "fail" for r in results)
    total, sections = form_score(tuple(results), ruleset.sections, ruleset.max_score)
    score = 0.0 if fatal_failed else total
    return CallScore(rules=tuple(results), score=score, passed=not fatal_failed and score >= ruleset.pass_score,
                     fatal_failed=fatal_failed, rules_name=ruleset.name, rules_version=ruleset.fingerprint(),
                     sections=sections,
                     form=form_record(ruleset.pass_score, ruleset.max_score, ruleset.sections, ruleset.rules))
