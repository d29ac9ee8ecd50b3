"""Helpers every check type shares: role and window selection, evidence, verdicts."""

from __future__ import annotations

from typing import Iterable

from ..schema import Evidence, Segment, Transcript, Verdict

ROLES = ("agent", "customer", "any")
WINDOWS = ("call", "first", "last")


def by_role(transcript: Transcript, role: str) -> list[Segment]:
    return [s for s in transcript.segments if role == "any" or s.role == role]


def in_window(transcript: Transcript, segments: Iterable[Segment], window: str, window_s: float) -> list[Segment]:
    """Segments inside the first/last ``window_s`` seconds of the conversation.

    The window is measured from the first word anyone says (ringing and queue time before it
    do not count) or back from the last word, not from the ends of the file.
    """
    segments = list(segments)
    if window == "call" or not transcript.segments:
        return segments
    if window == "first":
        origin = min(s.start_s for s in transcript.segments)
        return [s for s in segments if s.start_s <= origin + window_s]
    end = max(s.end_s for s in transcript.segments)
    return [s for s in segments if s.end_s >= end - window_s]


def evidence_of(segments: Iterable[Segment]) -> tuple[Evidence, ...]:
    return tuple(Evidence(s.start_s, s.end_s, s.text) for s in segments)


def not_applicable(reason: str) -> Verdict:
    return Verdict("na", reason)


def needs_roles(transcript: Transcript, role: str) -> Verdict | None:
    """An ``na`` verdict when the check is about one role but the call has no roles."""
    if role != "any" and not transcript.roles_known:
        return not_applicable(f"speaker roles unknown, cannot tell what the {role} said")
    return None


def describe_window(window: str, window_s: float) -> str:
    return {"call": "in the call", "first": f"in the first {window_s:g} s",
            "last": f"in the last {window_s:g} s"}[window]
