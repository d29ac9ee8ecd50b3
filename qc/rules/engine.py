"""Evaluate one rule on one call (pure): condition trees, scopes and anchors.

A rule says when it applies and what it requires or forbids, as expressions over
conditions::

    applies_when: complaint                     # optional; false -> status na
    require: {check: keyword, role: agent, any: [抱歉, 对不起],
              anchor: {to: complaint, relation: after, within_sentences: 3}}
    conditions:                                 # named, for references and anchors
      complaint: {check: keyword, role: customer, any: [投诉, 太差了]}

An expression is a condition name, an inline condition (a mapping with ``check:``), or
``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``. ``require`` passes when its expression
hits; ``forbid`` fails when its expression hits.

Text conditions are *scoped*: before the check sees them, sentences are narrowed by
``role``, by time (``first_s`` / ``last_s`` of the conversation), by position
(``first_sentences`` / ``last_sentences`` of that role) and by an ``anchor`` to another
condition's hits (``relation`` before / after / around, ``within_s`` or
``within_sentences``; ``first_hit: true`` measures from the anchor's first hit only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from ..schema import CallAnalysis, Evidence, Match, Segment, Verdict
from .checks import CHECKS
from .checks.base import NotApplicable
from .providers import CheckModels
from .variables import Variables, expand


@dataclass(frozen=True)
class Anchor:
    to: str
    relation: str = "after"  # before | after | around
    within_s: Optional[float] = None
    within_sentences: Optional[int] = None
    first_hit: bool = False  # relative to the anchor's first hit only (e.g. before the first account detail)


@dataclass(frozen=True)
class Scope:
    role: str = "any"
    first_s: Optional[float] = None
    last_s: Optional[float] = None
    first_sentences: Optional[int] = None
    last_sentences: Optional[int] = None
    anchor: Optional[Anchor] = None


@dataclass(frozen=True)
class Condition:
    name: str
    check: str
    options: dict = field(hash=False, compare=False)
    scope: Scope = Scope()


@dataclass(frozen=True)
class Op:
    op: str  # all | any | not
    args: tuple


Expr = Union[str, Condition, Op]


def evaluate_rule(call: CallAnalysis, conditions: dict[str, Condition], applies_when: Optional[Expr],
                  require: Optional[Expr], forbid: Optional[Expr], models: CheckModels,
                  variables: Variables = {}) -> Verdict:
    evaluator = Evaluator(call, conditions, models, variables)
    try:
        if applies_when is not None:
            gate = evaluator.expr(applies_when)
            if not gate.hit:
                return Verdict("na", f"does not apply: {gate.reason}")
        if require is not None:
            found = evaluator.expr(require)
            if found.hit:
                return Verdict("pass", found.reason, found.evidence)
            return Verdict("fail", found.reason, found.evidence or found.context)
        found = evaluator.expr(forbid)
        if found.hit:
            return Verdict("fail", found.reason, found.evidence)
        return Verdict("pass", found.reason)
    except NotApplicable as exc:
        return Verdict("na", str(exc))


class Evaluator:
    """Evaluates expressions for one call, each named condition at most once."""

    def __init__(self, call: CallAnalysis, conditions: dict[str, "Expr"], models: CheckModels,
                 variables: Variables = {}):
        self.call = call
        self.conditions = conditions
        self.models = models
        self.variables = variables
        self.cache: dict[str, Match] = {}

    def expr(self, node: Expr) -> Match:
        if isinstance(node, str):
            if node not in self.cache:
                self.cache[node] = self.expr(self.conditions[node])
            return self.cache[node]
        if isinstance(node, Condition):
            return self.condition(node)
        results = [self.expr(arg) for arg in node.args]
        if node.op == "not":
            inner = results[0]
            return Match(not inner.hit, f"not ({inner.reason})", inner.context if inner.hit else (),
                         inner.evidence)
        hits = [r for r in results if r.hit]
        misses = [r for r in results if not r.hit]
        hit = bool(results) and (len(hits) == len(results) if node.op == "all" else bool(hits))
        shown = hits if hit else misses
        reason = "; ".join(r.reason for r in shown)
        evidence = tuple(e for r in hits for e in r.evidence)
        context = tuple(e for r in misses for e in (r.context or r.evidence))
        return Match(hit, reason, _unique(evidence), _unique(context))

    def condition(self, cond: Condition) -> Match:
        module = CHECKS[cond.check]
        options, missing = expand(cond.options, module, self.variables)
        if missing:
            names = ", ".join(f"{{{name}}}" for name in missing)
            return Match(False, f"no value for {names} on this call (site file or manifest)")
        segments = self.scoped(cond.scope) if getattr(module, "SCOPED", False) else self.call.transcript.segments
        if getattr(module, "MODELS", ()):
            return module.evaluate(self.call, segments, options, self.models)
        return module.evaluate(self.call, segments, options)

    def scoped(self, scope: Scope) -> tuple[Segment, ...]:
        transcript = self.call.transcript
        if scope.role != "any" and not transcript.roles_known:
            raise NotApplicable(f"speaker roles unknown, cannot tell what the {scope.role} said")
        everything = transcript.segments
        chosen = [s for s in everything if scope.role == "any" or s.role == scope.role]
        if everything and scope.first_s is not None:
            origin = min(s.start_s for s in everything)
            chosen = [s for s in chosen if s.start_s <= origin + scope.first_s]
        if everything and scope.last_s is not None:
            end = max(s.end_s for s in everything)
            chosen = [s for s in chosen if s.end_s >= end - scope.last_s]
        if scope.first_sentences is not None:
            chosen = chosen[:scope.first_sentences]
        if scope.last_sentences is not None:
            chosen = chosen[-scope.last_sentences:] if scope.last_sentences else []
        if scope.anchor is not None:
            chosen = self.anchored(chosen, scope.anchor)
        return tuple(chosen)

    def anchored(self, segments: list[Segment], anchor: Anchor) -> list[Segment]:
        hits = self.expr(anchor.to)
        if not hits.hit:
            return []
        order = {id(s): i for i, s in enumerate(self.call.transcript.segments)}
        targets = sorted(hits.evidence, key=lambda e: e.start_s)[:1] if anchor.first_hit else hits.evidence
        keep = []
        for seg in segments:
            for ev in targets:
                if _near(seg, ev, anchor, order, self.call.transcript.segments):
                    keep.append(seg)
                    break
        return keep


def _near(seg: Segment, ev: Evidence, anchor: Anchor, order: dict, timeline) -> bool:
    same = seg.start_s < ev.end_s and seg.end_s > ev.start_s  # the anchor's own sentence(s)
    after = seg.start_s >= ev.start_s and not same
    before = seg.end_s <= ev.end_s and not same
    side = {"after": after, "before": before, "around": after or before or same}[anchor.relation]
    if not side:
        return False
    if anchor.within_s is not None and not same:
        gap = seg.start_s - ev.end_s if after else ev.start_s - seg.end_s
        if gap > anchor.within_s:
            return False
    if anchor.within_sentences is not None and not same:
        position = order[id(seg)]
        anchor_positions = [i for i, s in enumerate(timeline) if s.start_s < ev.end_s and s.end_s > ev.start_s]
        if not anchor_positions:
            anchor_positions = [min(range(len(timeline)), key=lambda i: abs(timeline[i].start_s - ev.start_s))]
        if min(abs(position - p) for p in anchor_positions) > anchor.within_sentences:
            return False
    return True


def _unique(items: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return tuple(out)
