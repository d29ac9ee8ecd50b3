"""What the check types share: the not-applicable signal, evidence, role filtering."""

from __future__ import annotations

from typing import Iterable

from ...schema import Evidence, Segment

ROLES = ("agent", "customer", "any")


class NotApplicable(Exception):
    """Raised while evaluating when the call cannot answer the question (no roles, ...): status ``na``."""


def evidence_of(segments: Iterable[Segment]) -> tuple[Evidence, ...]:
    return tuple(Evidence(s.start_s, s.end_s, s.text) for s in segments)


def of_role(segments: Iterable[Segment], role: str) -> list[Segment]:
    return [s for s in segments if role == "any" or s.role == role]


def listing(phrases, limit: int = 4) -> str:
    shown = ", ".join(str(p) for p in phrases[:limit])
    return shown + ("..." if len(phrases) > limit else "")
