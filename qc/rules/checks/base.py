"""What the check types share: the not-applicable signal, evidence, role filtering.

Checks say what they found as messages (:mod:`qc.rules.messages`), never in one language: the
engine renders a verdict's reason and evidence in the language of the pack scoring the call.
"""

from __future__ import annotations

from typing import Iterable

from ...messages import Joined, joined
from ...schema import Evidence, Segment

ROLES = ("agent", "customer", "any")


class NotApplicable(Exception):
    """Raised while evaluating when the call cannot answer the question (no roles, ...): status ``na``.
    Its argument is the message saying why."""


def evidence_of(segments: Iterable[Segment]) -> tuple[Evidence, ...]:
    return tuple(Evidence(s.start_s, s.end_s, s.text, s.role) for s in segments)


def of_role(segments: Iterable[Segment], role: str) -> list[Segment]:
    return [s for s in segments if role == "any" or s.role == role]


def listing(phrases, limit: int = 4) -> Joined:
    """The first ``limit`` phrases, for a reason: 您好、你好、早上好、上午好… / hello, hi, good morning..."""
    return joined(phrases, limit=limit)
