"""Roles, evidence text and numeric bounds: helpers the conversation checks share.

The measures themselves (turns, speaking time, speech units) live in :mod:`qc.metrics`,
which the scorecards read too.
"""

from __future__ import annotations

from typing import Optional

from ...messages import Message, role as role_word
from ...schema import Segment, Transcript
from ..messages import quantity, say
from .base import NotApplicable, of_role


def need_roles(transcript: Transcript, role: str, what: Message) -> None:
    """Status na unless roles are known; ``what`` says what could not be told."""
    if role != "any" and not transcript.roles_known:
        raise NotApplicable(say("roles_unknown", what=what))


def role_sentences(transcript: Transcript, role: str) -> list[Segment]:
    need_roles(transcript, role, say("what.sentences", role=role_word(role)))
    return of_role(transcript.segments, role)


def said_at(transcript: Transcript, role: str, time_s: float) -> Message:
    """The role's sentence at (or nearest to) a moment, for evidence."""
    own = of_role(transcript.segments, role)
    if not own:
        return say("no_text")
    nearest = min(own, key=lambda s: 0.0 if s.start_s <= time_s <= s.end_s
                  else min(abs(s.start_s - time_s), abs(s.end_s - time_s)))
    return quote(nearest)


def quote(seg: Segment) -> Message:
    """A sentence with its speaker: agent «...» / 坐席「...」."""
    return say("quote", role=role_word(seg.role), text=seg.text)


def outside(value: float, low: Optional[float], high: Optional[float]) -> bool:
    return (low is not None and value < low) or (high is not None and value > high)


def bounds(low: Optional[float], high: Optional[float], unit: Optional[str] = None) -> Message:
    """The allowed range in a reason; ``unit``: s (seconds), % (a share) or none."""
    if low is not None and high is not None:
        return say("bounds.between", low=quantity(low, unit), high=quantity(high, unit))
    if low is not None:
        return say("bounds.min", low=quantity(low, unit))
    return say("bounds.max", high=quantity(high, unit))


def check_bounds(options: dict, low: str = "min", high: str = "max") -> str | None:
    if options[low] is None and options[high] is None:
        return f"at least one of {low} and {high} is needed"
    if options[low] is not None and options[high] is not None and options[low] > options[high]:
        return f"{low} must not be greater than {high}"
    return None
