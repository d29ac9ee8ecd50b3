"""Roles, evidence text and numeric bounds: helpers the conversation checks share.

The measures themselves (turns, speaking time, speech units) live in :mod:`qc.metrics`,
which the scorecards read too.
"""

from __future__ import annotations

from typing import Optional

from ...schema import Segment, Transcript
from .base import NotApplicable, of_role


def need_roles(transcript: Transcript, role: str, what: str) -> None:
    if role != "any" and not transcript.roles_known:
        raise NotApplicable(f"speaker roles unknown, cannot tell {what}")


def role_sentences(transcript: Transcript, role: str) -> list[Segment]:
    need_roles(transcript, role, f"which sentences are the {role}'s")
    return of_role(transcript.segments, role)


def who(role: str) -> str:
    return "all speakers" if role == "any" else f"the {role}"


def said_at(transcript: Transcript, role: str, time_s: float) -> str:
    """The role's sentence at (or nearest to) a moment, for evidence."""
    own = of_role(transcript.segments, role)
    if not own:
        return "(no text)"
    nearest = min(own, key=lambda s: 0.0 if s.start_s <= time_s <= s.end_s
                  else min(abs(s.start_s - time_s), abs(s.end_s - time_s)))
    return f"{nearest.role} «{nearest.text}»"


def outside(value: float, low: Optional[float], high: Optional[float]) -> bool:
    return (low is not None and value < low) or (high is not None and value > high)


def bounds(low: Optional[float], high: Optional[float], fmt: str = "{:g}") -> str:
    if low is not None and high is not None:
        return f"allowed {fmt.format(low)}-{fmt.format(high)}"
    if low is not None:
        return f"at least {fmt.format(low)}"
    return f"at most {fmt.format(high)}"


def check_bounds(options: dict, low: str = "min", high: str = "max") -> str | None:
    if options[low] is None and options[high] is None:
        return f"at least one of {low} and {high} is needed"
    if options[low] is not None and options[high] is not None and options[low] > options[high]:
        return f"{low} must not be greater than {high}"
    return None
