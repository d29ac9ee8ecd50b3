"""overtalk: one party starts talking in the middle of the other's turn and talks over them.

Each party's voice activity (or, for calls stored without it, its sentences) is joined into
turns across pauses shorter than ``turn_gap_s``. A party *interrupts* when it starts a turn
while the other is speaking, at least ``min_delay_ms`` after the other's turn began (sooner
is a simultaneous start, as when both break a silence), and both talk together for longer
than ``min_overlap_s``. The overlap ends when the first of the two turns ends, so a short
嗯 / right under the other's turn overlaps only as long as itself. On a mono call, whose
speakers a diarizer found in one channel, the other party must also be saying a recognised
word when the interruption begins, give or take 0.3 s (a diarizer may stretch a turn past its
last word), and both voices must be found together for longer than ``min_overlap_s`` (not
only their turns, pauses closed: a diarizer may find blips of a voice inside the other's
turn; ``qc.metrics.interruptions``). Needs speaker roles.

Options:
- ``by`` (agent, customer or any, default agent): who starts talking over the other.
- ``min_delay_ms`` (integer, default 500): how far into the other's turn an overlap must start.
- ``min_overlap_s`` (seconds, default 1.0): overlaps must last longer than this.
- ``min_count`` (integer, default 1): how many interruptions make a hit.
- ``max_total_s`` (seconds): instead of counting them, hit when the interruptions together
  last longer than this.
- ``max_share`` (0 to 1): instead of counting them, hit when the interruptions together are
  more than this share of the recording.
- ``turn_gap_s`` (seconds, default 1.0): pauses shorter than this do not end a turn.

PASS (the customer's 0.8 s overlap is not the agent's doing)::

    rule: {forbid: {check: overtalk, by: agent, min_overlap_s: 1.0}}
    agent 35.7 46.05 感谢您的耐心等待。经核实，您本月开通了一项视频会员增值业务
    customer 45.25 47.98 视频会员？我没有开通过啊。
    agent 48.58 59.68 非常理解您的心情

FAIL (the agent starts 1.5 s before the customer has finished)::

    rule: {forbid: {check: overtalk, by: agent, min_overlap_s: 1.0}}
    customer 9.1 19.6 我已经打了三次电话了，每次都说会有人联系我，可是一直都没有人来。
    agent 18.1 20.4 这个我不知道，不归我管。
"""

from __future__ import annotations

from ...messages import joined, role
from ...metrics import INTERRUPTION_DELAY_MS, INTERRUPTION_OVERLAP_S, TURN_GAP_S, diarized, interruptions, other
from ...schema import CallAnalysis, Evidence, Match, Segment
from ..messages import say, who
from .turns import need_roles, said_at

ID = "overtalk"
NEEDS_AUDIO = True  # judges sound: na on a chat
CONF = {"by": ("agent", "customer", "any"), "min_delay_ms": int, "min_overlap_s": float, "min_count": int,
        "max_total_s": float, "max_share": float, "turn_gap_s": float}
DEFAULT = {"by": "agent", "min_delay_ms": INTERRUPTION_DELAY_MS, "min_overlap_s": INTERRUPTION_OVERLAP_S,
           "min_count": 1, "max_total_s": None, "max_share": None, "turn_gap_s": TURN_GAP_S}


def validate(options: dict) -> str | None:
    if options["min_count"] < 1:
        return "min_count must be at least 1"
    if min(options["min_delay_ms"], options["min_overlap_s"], options["turn_gap_s"]) < 0:
        return "min_delay_ms, min_overlap_s and turn_gap_s must not be negative"
    if options["max_share"] is not None and not 0 <= options["max_share"] <= 1:
        return "max_share is a share between 0 and 1"
    if options["max_share"] is not None and options["max_total_s"] is not None:
        return "give max_total_s or max_share, not both"
    return None


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    transcript = call.transcript
    need_roles(transcript, "agent", say("what.overtalk"))
    parties = ("agent", "customer") if options["by"] == "any" else (options["by"],)
    found = sorted(((party, *span) for party in parties
                    for span in interruptions(transcript, party, options["turn_gap_s"], options["min_delay_ms"],
                                              options["min_overlap_s"], heard_words=diarized(call))),
                   key=lambda item: item[1].start_s)
    seconds = [o.end_s - o.start_s for _, _, o in found]
    limit, duration_s = _limit_s(options, call.audio.duration_s), call.audio.duration_s
    hit = sum(seconds) > limit if limit is not None else len(found) >= options["min_count"]
    evidence = tuple(Evidence(o.start_s, o.end_s, say("overtalk.evidence", party=role(party), other=role(other(party)),
                                                      into=o.start_s - theirs.start_s, together=o.end_s - o.start_s,
                                                      said=said_at(transcript, party, o.start_s)), party)
                     for party, theirs, o in found)
    return Match(hit, _reason(found, parties, options, duration_s), evidence if hit else (), () if hit else evidence)


def _limit_s(options: dict, duration_s: float):
    """The seconds of interruptions allowed in all, if limited (``max_share`` of the recording)."""
    return duration_s * options["max_share"] if options["max_share"] is not None else options["max_total_s"]


def _reason(found: list, parties: tuple[str, ...], options: dict, duration_s: float):
    if not found:
        whom = say("overtalk.either") if len(parties) > 1 else who(parties[0])
        return say("overtalk.none", whom=whom, overlap=options["min_overlap_s"], delay=options["min_delay_ms"])
    seconds = [o.end_s - o.start_s for _, _, o in found]
    counts = joined(say("overtalk.count", party=role(party), other=role(other(party)), n=n)
                    for party in parties if (n := sum(f[0] == party for f in found)))
    if options["max_share"] is not None:
        needed = say("overtalk.share", share=sum(seconds) / max(duration_s, 1e-9), limit=options["max_share"])
    elif options["max_total_s"] is not None:
        needed = say("overtalk.limit", limit=options["max_total_s"])
    else:
        needed = say("overtalk.needed", n=options["min_count"]) if options["min_count"] > 1 else ""
    return say("overtalk.found", counts=counts, total=sum(seconds), longest=max(seconds), needed=needed)

