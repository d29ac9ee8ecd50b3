"""sentence-count: a role says fewer or more sentences than the allowed range.

A sentence is one transcript segment of the role. Few agent sentences can mean a call
brushed off; very many, a monologue. Needs speaker roles unless ``role`` is ``any``.

Options:
- ``role`` (agent, customer or any, default agent): whose sentences are counted.
- ``min`` / ``max`` (integers, at least one needed): the allowed number.

PASS::

    rule: {forbid: {check: sentence-count, role: agent, min: 2}}
    agent 0.5 3.0 您好，请问有什么可以帮您？
    customer 3.5 5.0 我想查话费
    agent 5.5 8.0 好的，请您提供机主姓名

FAIL (one agent sentence only)::

    rule: {forbid: {check: sentence-count, role: agent, min: 2}}
    agent 0.5 1.5 喂？
    customer 2.0 6.0 我的宽带一直断网，到现在都没有修好
"""

from __future__ import annotations

from ...schema import CallAnalysis, Evidence, Match, Segment
from ..messages import say, who
from .base import ROLES
from .turns import bounds, check_bounds, outside, role_sentences

ID = "sentence-count"
CONF = {"role": ROLES, "min": int, "max": int}
DEFAULT = {"role": "agent", "min": None, "max": None}


def validate(options: dict) -> str | None:
    return check_bounds(options)


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    role = options["role"]
    sentences = role_sentences(call.transcript, role)
    count = len(sentences)
    reason = say("count.sentences", count=count, who=who(role), bounds=bounds(options["min"], options["max"]))
    if not outside(count, options["min"], options["max"]):
        return Match(False, reason)
    party = "" if role == "any" else role
    if sentences:
        where = Evidence(sentences[0].start_s, sentences[-1].end_s,
                         say("count.evidence", count=count, who=who(role), text=sentences[0].text), party)
    else:
        where = Evidence(0.0, call.audio.duration_s, say("count.none", who=who(role)), party)
    return Match(True, reason, (where,))
