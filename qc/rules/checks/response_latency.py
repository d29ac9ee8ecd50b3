"""response-latency: the agent is slow to answer after the customer finishes speaking.

Each party's voice activity (or, for calls stored without it, its sentences) is joined into
turns across pauses shorter than ``turn_gap_s``. A latency is the time from the end of the
other party's turn to the start of the responder's next turn; it is measured only when the
responder was not already speaking and the other party did not go on speaking first (a
caller who asks again into the silence is the ``silence`` check's business). Needs roles.

Options:
- ``role`` (agent or customer, default agent): the party who responds.
- ``max_s`` (seconds, default 5): latencies longer than this count.
- ``min_count`` (integer, default 1): how many slow answers make a hit.
- ``turn_gap_s`` (seconds, default 1.0): pauses shorter than this do not end a turn.

PASS::

    rule: {forbid: {check: response-latency, max_s: 5}}
    customer 0.5 3.0 我想查一下这个月的话费
    agent 4.0 6.0 好的，请您提供一下机主姓名

FAIL (7 s before the agent answers)::

    rule: {forbid: {check: response-latency, max_s: 5}}
    customer 0.5 3.0 我想查一下这个月的话费
    agent 10.0 12.0 机主姓名
"""

from __future__ import annotations

from statistics import median

from ...schema import CallAnalysis, Evidence, Match, Segment, Transcript
from ...messages import role as role_word
from ...metrics import TURN_GAP_S, Span, other, turns
from ..messages import say
from .turns import need_roles, said_at

ID = "response-latency"
CONF = {"role": ("agent", "customer"), "max_s": float, "min_count": int, "turn_gap_s": float}
DEFAULT = {"role": "agent", "max_s": 5.0, "min_count": 1, "turn_gap_s": TURN_GAP_S}


def validate(options: dict) -> str | None:
    if options["min_count"] < 1:
        return "min_count must be at least 1"
    return None


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    role, limit = options["role"], options["max_s"]
    transcript = call.transcript
    party = role_word(role)
    need_roles(transcript, role, say("what.answers", role=party))
    waits = latencies(transcript, role, options["turn_gap_s"])
    if not waits:
        return Match(False, say("latency.unanswered", role=party, other=role_word(other(role))))
    slow = [w for w in waits if w.end_s - w.start_s > limit]
    seconds = [w.end_s - w.start_s for w in waits]
    measured = say("latency.measured", n=len(waits), median=median(seconds), longest=max(seconds))
    evidence = tuple(Evidence(w.start_s, w.end_s, say("latency.evidence", seconds=w.end_s - w.start_s, role=party,
                                                      said=said_at(transcript, other(role), w.start_s)), role)
                     for w in slow)
    if slow and len(slow) >= options["min_count"]:
        return Match(True, say("latency.slow", role=party, limit=limit, n=len(slow), measured=measured), evidence)
    if slow:
        return Match(False, say("latency.too_few", role=party, limit=limit, n=len(slow),
                                min_count=options["min_count"], measured=measured), (), evidence)
    return Match(False, say("latency.fast", role=party, limit=limit, measured=measured))


def latencies(transcript: Transcript, role: str, gap_s: float) -> list[Span]:
    """(end of the other's turn, start of the answer) for each turn the responder answers."""
    mine, theirs = turns(transcript, role, gap_s), turns(transcript, other(role), gap_s)
    found = []
    for turn in theirs:
        if any(m.start_s < turn.end_s < m.end_s for m in mine):
            continue  # the responder was already speaking
        answer = next((m for m in mine if m.start_s >= turn.end_s), None)
        if answer is None or any(turn.end_s < t.start_s < answer.start_s for t in theirs):
            continue
        found.append(Span(turn.end_s, answer.start_s))
    return found
