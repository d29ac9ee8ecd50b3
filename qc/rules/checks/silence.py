"""silence: stretches of the conversation without speech longer than ``min_s``.

Silence is measured between the speech voice activity detection found on every channel
(or, for calls stored without it, between sentences); the time before the first and after
the last speech (ringing, hang-up) is not part of the conversation. A gap is *excused*
when an agent sentence ending within ``excuse_within_s`` before it contains one of
``excuse_phrases`` (an announced hold: 请您稍等, please hold), matched as keyword rules
match with ``fuzzy: true`` (少等 for 稍等, "one moment" for "one moment"), so a hold
announced and followed by "let me check" or a recogniser slip is still an announced hold.

Options:
- ``min_s`` (seconds, default 5): gaps longer than this count.
- ``excuse_phrases`` (list of text): announced holds excuse the gap that follows.
- ``excuse_within_s`` (seconds, default 15): how far before the gap the announcement may be.
- ``min_count`` (integer, default 1): how many counted gaps make a hit.

PASS::

    rule: {forbid: {check: silence, min_s: 5, excuse_phrases: [请您稍等]}}
    agent 0.5 3.0 请您稍等，我帮您查询
    agent 10.0 12.0 感谢您的耐心等待
    customer 12.5 13.0 好的

FAIL::

    rule: {forbid: {check: silence, min_s: 5, excuse_phrases: [请您稍等]}}
    agent 0.5 3.0 你自己去营业厅问吧
    customer 11.0 12.0 喂？还有人吗？
"""

from __future__ import annotations

from ...schema import CallAnalysis, Evidence, Match, Segment
from ...metrics import silences
from ...text import find_phrase
from ..messages import say
from .turns import quote

ID = "silence"
PHRASE_OPTIONS = OPTIONAL_PHRASES = ("excuse_phrases",)
CONF = {"min_s": float, "excuse_phrases": [str], "excuse_within_s": float, "min_count": int}
DEFAULT = {"min_s": 5.0, "excuse_phrases": None, "excuse_within_s": 15.0, "min_count": 1}


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    limit = options["min_s"]
    long_gaps = [(a, b) for a, b in silences(call.transcript) if b - a > limit]
    counted, excused = [], []
    for a, b in long_gaps:
        announcement = _announcement(segments, a, options)
        (excused if announcement else counted).append((a, b))
    note = say("silence.excused", n=len(excused)) if excused else ""
    if len(counted) >= options["min_count"] and counted:
        evidence = tuple(Evidence(a, b, say("silence.gap", seconds=b - a, before=_said_before(segments, a)))
                         for a, b in counted)
        longest = max(b - a for a, b in counted)
        return Match(True, say("silence.found", n=len(counted), limit=limit, longest=longest, note=note), evidence)
    return Match(False, say("silence.none_unannounced" if options["excuse_phrases"] else "silence.none",
                            limit=limit, note=note))


def _announcement(segments, gap_start: float, options: dict):
    if not options["excuse_phrases"]:
        return None
    before = [s for s in segments if s.role in ("agent", "unknown") and s.end_s <= gap_start + 0.5
              and s.end_s >= gap_start - options["excuse_within_s"]]
    return next((p for s in reversed(before) for p in options["excuse_phrases"]
                 if find_phrase(s.text, p, pinyin=True)), None)


def _said_before(segments, time_s: float):
    before = [s for s in segments if s.start_s < time_s]
    if not before:
        return say("silence.call_start")
    return quote(max(before, key=lambda s: s.end_s))
