"""talk-ratio: a role's share of the conversation's speech time is out of range.

Speech time is what voice activity detection heard on each side (for calls stored without
it, the sentences' times); overlapping speech counts for both parties. The share is the
role's seconds over all parties' seconds, from 0 to 1. Needs speaker roles.

Options:
- ``role`` (agent or customer, default agent): whose share is measured.
- ``min`` / ``max`` (0 to 1, at least one needed): the allowed share.

PASS (the agent speaks 60% of the time)::

    rule: {forbid: {check: talk-ratio, role: agent, max: 0.7}}
    agent 0.0 6.0 您好，请问有什么可以帮您？
    customer 6.5 10.5 我想查一下话费

FAIL (the agent speaks 90% of the time, the customer hardly gets a word in)::

    rule: {forbid: {check: talk-ratio, role: agent, max: 0.7}}
    agent 0.0 18.0 您好，我们现在有一个新的套餐活动，每月只要五十九元，流量通话都包含在内
    customer 18.5 20.5 我不需要
"""

from __future__ import annotations

from ...schema import CallAnalysis, Evidence, Match, Segment
from ...messages import role as role_word
from ...metrics import spans, speaking_s
from ..messages import say
from .turns import bounds, check_bounds, need_roles, outside

ID = "talk-ratio"
CONF = {"role": ("agent", "customer"), "min": float, "max": float}
DEFAULT = {"role": "agent", "min": None, "max": None}


def validate(options: dict) -> str | None:
    if any(options[k] is not None and not 0 <= options[k] <= 1 for k in ("min", "max")):
        return "min and max are shares between 0 and 1"
    return check_bounds(options)


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    role, transcript = options["role"], call.transcript
    party = role_word(role)
    need_roles(transcript, role, say("what.talk", role=party))
    total_s = sum(speaking_s(transcript, r) for r in ("agent", "customer", "unknown"))
    if total_s <= 0:
        return Match(False, say("talk.no_speech"))
    own_s = speaking_s(transcript, role)
    share = own_s / total_s
    reason = say("talk.share", role=party, share=share, own=own_s, total=total_s,
                 bounds=bounds(options["min"], options["max"], "%"))
    if not outside(share, options["min"], options["max"]):
        return Match(False, reason)
    everything = spans(transcript, "any")
    return Match(True, reason, (Evidence(everything[0].start_s, max(t.end_s for t in everything),
                                         say("talk.evidence", role=party, share=share, total=total_s), role),))
