"""duration: the call is shorter or longer than the allowed range.

The duration is the recording's length, ringing and hold music included. Very short calls
are often dropped or brushed off; very long ones are worth a supervisor's look.

Options:
- ``min_s`` / ``max_s`` (seconds, at least one needed): the allowed duration.

PASS::

    rule: {forbid: {check: duration, min_s: 10}}
    agent 0.5 3.0 您好，请问有什么可以帮您？
    customer 3.5 12.0 我想查一下这个月的话费

FAIL (the call lasts 2 s)::

    rule: {forbid: {check: duration, min_s: 10}}
    agent 0.5 1.5 喂？
"""

from __future__ import annotations

from ...schema import CallAnalysis, Evidence, Match, Segment
from ..messages import say
from .turns import bounds, check_bounds, outside

ID = "duration"
CONF = {"min_s": float, "max_s": float}
DEFAULT = {"min_s": None, "max_s": None}


def validate(options: dict) -> str | None:
    return check_bounds(options, "min_s", "max_s")


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    seconds = call.audio.duration_s
    reason = say("duration.lasts", seconds=seconds, bounds=bounds(options["min_s"], options["max_s"], "s"))
    if outside(seconds, options["min_s"], options["max_s"]):
        return Match(True, reason, (Evidence(0.0, seconds, say("duration.evidence", seconds=seconds)),))
    return Match(False, reason)
