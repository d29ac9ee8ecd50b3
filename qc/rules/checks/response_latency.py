"""response-latency: the agent is slow to answer after the customer finishes speaking.

Each party's voice activity (or, for calls stored without it, its sentences) is joined into
turns across pauses shorter than ``turn_gap_s``. A latency is the time from the end of the
other party's turn to the start of the responder's next turn; it is measured only when the
responder was not already speaking and the other party did not go on speaking first (a
caller who asks again into the silence is the ``silence`` check's business). Needs roles.

In a chat, the latencies are the customer's waits, from message times: a wait begins with
the customer's first message since the agent last wrote (or since a bot replied) and ends
with the agent's next message, however many messages the customer sent meanwhile. The first
wait is the first response time.

Options:
- ``role`` (agent or customer, default agent): the party who responds.
- ``max_s`` (seconds, default 5): latencies longer than this count.
- ``min_count`` (integer, default 1): how many slow answers make a hit.
- ``turn_gap_s`` (seconds, default 1.0): pauses shorter than this do not end a turn.
- ``first_max_s`` (seconds): the first answer (first response time) must come within this;
  a slower one is a hit by itself (chats: ``{max_s: 120, first_max_s: 60}``).

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
from ...metrics import TURN_GAP_S, Span, chat_waits, is_chat, other, turns
from ..messages import say
from .turns import need_roles, said_at

ID = "response-latency"
CONF = {"role": ("agent", "customer"), "max_s": float, "min_count": int, "turn_gap_s": float, "first_max_s": float}
DEFAULT = {"role": "agent", "max_s": 5.0, "min_count": 1, "turn_gap_s": TURN_GAP_S, "first_max_s": None}


def validate(options: dict) -> str | None:
    if options["min_count"] < 1:
        return "min_count must be at least 1"
    return None


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    role, limit = options["role"], options["max_s"]
    transcript = call.transcript
    party = role_word(role)
    need_roles(transcript, role, say("what.answers", role=party))
    chat = is_chat(call)
    waits = chat_waits(transcript, role) if chat else latencies(transcript, role, options["turn_gap_s"])
    if not waits:
        return Match(False, say("latency.unanswered", role=party, other=role_word(other(role))))
    seconds = [w.end_s - w.start_s for w in waits]
    first_slow = options["first_max_s"] is not None and seconds[0] > options["first_max_s"]
    slow = [w for w in waits if w.end_s - w.start_s > limit or (first_slow and w is waits[0])]
    measured = (say("latency.measured_chat", n=len(waits), first=seconds[0], longest=max(seconds)) if chat else
                say("latency.measured", n=len(waits), median=median(seconds), longest=max(seconds)))
    shown = "latency.chat_evidence" if chat else "latency.evidence"
    evidence = tuple(Evidence(w.start_s, w.end_s, say(shown, seconds=w.end_s - w.start_s, role=party,
                                                      said=said_at(transcript, other(role), w.start_s)), role)
                     for w in slow)
    if first_slow:
        return Match(True, say("latency.first_slow", role=party, seconds=seconds[0], limit=options["first_max_s"],
                               measured=measured), evidence)
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
