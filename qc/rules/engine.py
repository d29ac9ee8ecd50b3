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
``role``, by time (``first_s`` / ``last_s`` of the conversation: in a chat, from the agent's first message and back
from the agent's last, see :func:`qc.metrics.window`), by position
(``first_sentences`` / ``last_sentences`` of that role) and by an ``anchor`` to another
condition's hits (``relation`` before / after / around, ``within_s`` or
``within_sentences`` or ``within_turns``; ``first_hit: true`` measures from the anchor's first hit only).
``by: turn`` reads a speaker's consecutive sentences (nobody else's in between) as one, so a
phrase the recogniser cut in two ("Keystone Credit Union." / "This is Rick.") is still one
match; ``first_sentences`` and ``last_sentences`` then count turns. It takes no anchor.

A check that judges sound (``NEEDS_AUDIO = True``: silence, loudness, overtalk, speech rate,
talk ratio) makes its rule ``na`` on a chat, wherever it stands in the rule.

Reasons and evidence are said in the rule set's ``language`` (zh or en), beside its rule
titles. When a required item is missing, the evidence says what was looked for and where
(在开场 15 秒内坐席的话中未找到：您好、你好 / looked for hello, hi in what the agent said in the
first 15 s), not the sentences that happened to be there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Union

from ..messages import Message, joined, render, role
from ..metrics import is_chat, joined_turns, turn_numbers, window
from ..schema import CallAnalysis, Evidence, Match, Segment, Verdict
from ..timing import stage
from .checks import CHECKS
from .checks.base import NotApplicable
from .messages import say
from .providers import CheckModels
from .variables import Variables, expand


@dataclass(frozen=True)
class Anchor:
    to: str
    relation: str = "after"  # before | after | around
    within_s: Optional[float] = None
    within_sentences: Optional[int] = None
    within_turns: Optional[int] = None  # speaker turns: what a reviewer counts, whatever the recogniser cut
    first_hit: bool = False  # relative to the anchor's first hit only (e.g. before the first account detail)


@dataclass(frozen=True)
class Scope:
    role: str = "any"
    first_s: Optional[float] = None
    last_s: Optional[float] = None
    first_sentences: Optional[int] = None
    last_sentences: Optional[int] = None
    by: str = "sentence"  # sentence | turn: a speaker's consecutive sentences read as one
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
                  variables: Variables = {}, *, language: str) -> Verdict:
    """The rule's verdict on ``call``, its reason and evidence said in ``language`` (the pack's)."""
    evaluator = Evaluator(call, conditions, models, variables)
    try:
        if applies_when is not None:
            gate = evaluator.expr(applies_when)
            if not gate.hit:
                return _said("na", say("does_not_apply", reason=gate.reason), (), language)
        if require is not None:
            found = evaluator.expr(require)
            if found.hit:
                return _said("pass", found.reason, found.evidence, language)
            return _said("fail", found.reason, found.evidence or found.context, language)
        found = evaluator.expr(forbid)
        if found.hit:
            return _said("fail", found.reason, found.evidence, language)
        return _said("pass", found.reason, (), language)
    except NotApplicable as exc:
        return _said("na", exc.args[0], (), language)


def _said(status: str, reason, evidence: tuple[Evidence, ...], language: str) -> Verdict:
    return Verdict(status, render(reason, language),
                   tuple(replace(e, text=render(e.text, language)) for e in evidence))


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
            return Match(not inner.hit, say("not", reason=inner.reason), inner.context if inner.hit else (),
                         inner.evidence)
        hits = [r for r in results if r.hit]
        misses = [r for r in results if not r.hit]
        hit = bool(results) and (len(hits) == len(results) if node.op == "all" else bool(hits))
        shown = hits if hit else misses
        reason = joined(dict.fromkeys(r.reason for r in shown), "clauses")  # a clause said once
        evidence = tuple(e for r in hits for e in r.evidence)
        context = tuple(e for r in misses for e in (r.context or r.evidence))
        return Match(hit, reason, _unique(evidence), _unique(context))

    def condition(self, cond: Condition) -> Match:
        module = CHECKS[cond.check]
        if getattr(module, "NEEDS_AUDIO", False) and is_chat(self.call):
            raise NotApplicable(say("needs_audio", check=cond.check))
        options, missing = expand(cond.options, module, self.variables)
        if missing:
            return Match(False, say("no_value", names=joined(f"{{{name}}}" for name in missing)))
        scoped = getattr(module, "SCOPED", False)
        segments = self.scoped(cond.scope) if scoped else self.call.transcript.segments
        if getattr(module, "MODELS", ()):
            with stage("rule-models"):  # model calls (embeddings, sentiment): apart from the pipeline's overhead
                found = module.evaluate(self.call, segments, options, self.models)
        else:
            found = module.evaluate(self.call, segments, options)
        if found.hit or found.sought is None:
            return found
        return replace(found, context=(self.looked_for(found.sought, cond.scope if scoped else Scope(), segments),))

    def looked_for(self, sought, scope: Scope, segments: tuple[Segment, ...]) -> Evidence:
        """Evidence for something missing: what was looked for and where (the scope), at the moment
        the looking began: the first sentence in scope, else the start of the scope's window. A
        moment, not the window: a reviewer listens from there, and the pages mark one sentence
        (where the greeting should have been), not every sentence of a long window."""
        origin, end = window(self.call)
        if segments:
            at = segments[0].start_s
        elif scope.last_s is not None:
            at = max(end - scope.last_s, origin)
        else:
            at = origin
        text = say("looked_for", sought=sought, where=_where(scope))
        return Evidence(at, at, text, "" if scope.role == "any" else scope.role)

    def scoped(self, scope: Scope) -> tuple[Segment, ...]:
        transcript = self.call.transcript
        if scope.role != "any" and not transcript.roles_known:
            raise NotApplicable(say("roles_unknown", what=say("what.said", role=role(scope.role))))
        origin, end = window(self.call)
        chosen = [s for s in transcript.segments if scope.role == "any" or s.role == scope.role]
        if scope.first_s is not None:
            chosen = [s for s in chosen if s.start_s <= origin + scope.first_s]
        if scope.last_s is not None:
            chosen = [s for s in chosen if s.end_s >= end - scope.last_s]
        if scope.by == "turn":
            chosen = joined_turns(chosen, transcript.segments)
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
        targets = sorted(hits.evidence, key=lambda e: e.start_s)[:1] if anchor.first_hit else hits.evidence
        timeline = self.call.transcript.segments
        order = {id(s): i for i, s in enumerate(timeline)}
        numbers = turn_numbers(timeline) if anchor.within_turns is not None else {}
        turns = [numbers.get(id(s)) for s in timeline]
        held = {id(ev): [i for i, s in enumerate(timeline) if _shares(s.start_s, s.end_s, ev)] for ev in targets}
        keep = []
        for seg in segments:
            for ev in targets:
                if _near(seg, ev, anchor, order.get(id(seg)), held[id(ev)], turns, timeline):
                    keep.append(seg)
                    break
        return keep


def _where(scope: Scope) -> Message:
    """Where a scoped condition looked: what the agent said in the first 15 s, after «complaint»..."""
    who = say("where.call") if scope.role == "any" else say("where.role", role=role(scope.role))
    qualifiers = []
    for key in ("first_s", "last_s"):
        if getattr(scope, key) is not None:
            qualifiers.append(say(f"where.{key}", s=getattr(scope, key)))
    for key in ("first_sentences", "last_sentences"):
        if getattr(scope, key) is not None:
            unit = key if scope.by == "sentence" else key.replace("sentences", "turns")
            qualifiers.append(say(f"where.{unit}", n=getattr(scope, key)))
    anchor = scope.anchor
    if anchor is not None:
        within = next((say(f"where.{key}", n=getattr(anchor, key)) for key in ("within_s", "within_sentences",
                       "within_turns") if getattr(anchor, key) is not None), "")
        qualifiers.append(say("where.anchor", to=anchor.to, within=within, relation=say(f"relation.{anchor.relation}"),
                              first=say("where.first_hit") if anchor.first_hit else ""))
    return say("where", who=who, qualifiers=joined(qualifiers, "none"))


TAIL_S = 0.3


def _near(seg: Segment, ev: Evidence, anchor: Anchor, position: Optional[int], held: list[int], turns: list,
          timeline) -> bool:
    """``seg`` is near the anchor's hit ``ev``. ``position``: ``seg``'s index in ``timeline`` (None if it
    is not one of its sentences); ``held``: the indices of the sentences that hold ``ev``;
    ``turns``: each sentence's turn number (None for none)."""
    overlap = _shares(seg.start_s, seg.end_s, ev)
    # a reply that starts within TAIL_S of the end of what it answers is after it (word timestamps
    # differ that much between runs: "...that I did not make, so" ran 0.1 s into the agent's reply);
    # so is the other party's reply that starts in the second half of it (an apology over the end of a
    # long complaint), not their words that start with it (a greeting over the caller's "hello?")
    reply = bool(seg.role and ev.role and seg.role != ev.role) and seg.start_s >= (ev.start_s + ev.end_s) / 2
    after = seg.start_s >= ev.start_s and (not overlap or reply or
                                          (seg.start_s > ev.start_s and seg.start_s >= ev.end_s - TAIL_S))
    before = seg.end_s <= ev.end_s and (not overlap or (seg.end_s < ev.end_s and seg.end_s <= ev.start_s + TAIL_S))
    same = overlap and not (after or before)  # the anchor's own sentence(s)
    side = {"after": after, "before": before, "around": after or before or same}[anchor.relation]
    if not side:
        return False
    if anchor.within_s is not None and not same:
        gap = seg.start_s - ev.end_s if after else ev.start_s - seg.end_s
        if gap > anchor.within_s:
            return False
    if anchor.within_sentences is not None and not same and position is not None:
        anchor_positions = held or [min(range(len(timeline)), key=lambda i: abs(timeline[i].start_s - ev.start_s))]
        if min(abs(position - p) for p in anchor_positions) > anchor.within_sentences:
            return False
    if anchor.within_turns is not None and not same and position is not None:
        anchor_turns = [turns[i] for i in held if turns[i] is not None]
        if turns[position] is not None and anchor_turns and \
                min(abs(turns[position] - t) for t in anchor_turns) > anchor.within_turns:
            return False
    return True


def _shares(start_s: float, end_s: float, ev: Evidence) -> bool:
    """A sentence holds evidence: they overlap, or they are the same moment (a chat message)."""
    return (start_s < ev.end_s and end_s > ev.start_s) or (start_s == end_s == ev.start_s == ev.end_s)


def _unique(items: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return tuple(out)
