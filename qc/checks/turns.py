"""Turns, speaking time, speech units and numeric bounds: helpers the conversation checks share.

Voice activity detection splits a turn at every short pause, so turn-taking checks first
close a role's pauses shorter than ``turn_gap_s`` into turns. Calls stored without voice
activity regions fall back to the sentences' times.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple, Optional

from ..engine import NotApplicable
from ..schema import Segment, Transcript
from .base import of_role

TURN_GAP_S = 1.0
_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_CJK_LANGUAGES = ("zh", "yue", "cmn")


class Turn(NamedTuple):
    start_s: float
    end_s: float


def need_roles(transcript: Transcript, role: str, what: str) -> None:
    if role != "any" and not transcript.roles_known:
        raise NotApplicable(f"speaker roles unknown, cannot tell {what}")


def role_sentences(transcript: Transcript, role: str) -> list[Segment]:
    need_roles(transcript, role, f"which sentences are the {role}'s")
    return of_role(transcript.segments, role)


def who(role: str) -> str:
    return "all speakers" if role == "any" else f"the {role}"


def other(role: str) -> str:
    return "customer" if role == "agent" else "agent"


def spans(transcript: Transcript, role: str) -> list[Turn]:
    """A role's voice-activity regions in time order, or its sentences' times without them."""
    source = transcript.speech or transcript.segments
    return sorted(Turn(r.start_s, r.end_s) for r in source if role == "any" or r.role == role)


def turns(transcript: Transcript, role: str, gap_s: float = TURN_GAP_S) -> list[Turn]:
    """A role's speech with pauses shorter than ``gap_s`` closed."""
    merged: list[Turn] = []
    for start, end in spans(transcript, role):
        if merged and start - merged[-1].end_s < gap_s:
            merged[-1] = Turn(merged[-1].start_s, max(merged[-1].end_s, end))
        else:
            merged.append(Turn(start, end))
    return merged


def speaking_s(transcript: Transcript, role: str) -> float:
    """Seconds the role is heard (its overlapping regions counted once)."""
    return sum(t.end_s - t.start_s for t in turns(transcript, role, gap_s=0.0))


def said_at(transcript: Transcript, role: str, time_s: float) -> str:
    """The role's sentence at (or nearest to) a moment, for evidence."""
    own = of_role(transcript.segments, role)
    if not own:
        return "(no text)"
    nearest = min(own, key=lambda s: 0.0 if s.start_s <= time_s <= s.end_s
                  else min(abs(s.start_s - time_s), abs(s.end_s - time_s)))
    return f"{nearest.role} «{nearest.text}»"


def is_chinese(language: str, texts) -> bool:
    return language.lower().startswith(_CJK_LANGUAGES) or any(_CJK_CHAR.search(t) for t in texts)


def units(text: str, chinese: bool) -> int:
    """Spoken units: characters for Chinese (CJK characters, digits, Latin words), else words."""
    text = unicodedata.normalize("NFKC", text)
    if chinese:
        return len(_CJK_CHAR.findall(text)) + sum(c.isdigit() for c in text) + len(_LATIN_WORD.findall(text))
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


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
