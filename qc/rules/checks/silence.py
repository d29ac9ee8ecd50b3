"""silence: stretches of the conversation without speech longer than ``min_s``.

Silence is measured between the speech voice activity detection found on every channel
(or, for calls stored without it, between sentences); the time before the first and after
the last speech (ringing, hang-up) is not part of the conversation. A gap is *excused*
when an agent sentence begun before it and ending at most ``excuse_within_s`` before it
(Whisper's sentence ends often run past the voice) contains one of
``excuse_phrases`` (an announced hold: 请您稍等, please hold), matched as keyword rules
match with ``fuzzy: true`` (少等 for 稍等; in Chinese phrases of four syllables or more one
syllable may differ: 请您收等 for 请您稍等), so a hold
announced and followed by "let me check" or a recogniser slip is still an announced hold.

Options:
- ``min_s`` (seconds, default 5): gaps longer than this count.
- ``excuse_phrases`` (list of text): announced holds excuse the gap that follows.
- ``excuse_except`` (list of text): near misses; an excuse phrase found only inside one of them
  announces nothing (等一等 in 还是再等一等, asking whether to wait for stock; "a couple of minutes"
  in "have you got a couple of minutes?").
- ``excuse_within_s`` (seconds, default 15): how far before the gap the announcement may be.
- ``min_count`` (integer, default 1): how many counted gaps make a hit.
- ``max_share`` (0 to 1): instead of counting them, hit when the counted gaps together are
  more than this share of the recording (the pages' "silence in the call"; they count gaps
  of 2 s and more, so ``min_s: 2`` measures the same).

PASS::

    rule: {forbid: {check: silence, min_s: 5, excuse_phrases: [请您稍等]}}
    agent 0.5 3.0 请您稍等，我帮您查询
    agent 10.0 12.0 感谢您的耐心等待
    customer 12.5 13.0 好的

FAIL::

    rule: {forbid: {check: silence, min_s: 5, excuse_phrases: [请您稍等]}}
    agent 0.5 3.0 你自己去营业厅问吧
    customer 11.0 12.0 喂？还有人吗？

FAIL (asking whether to wait for the goods announces no hold)::

    rule: {forbid: {check: silence, min_s: 5, excuse_phrases: [等一等], excuse_except: [还是再等一等]}}
    agent 0.5 3.0 您看是换个颜色，还是再等一等？
    customer 11.0 12.0 喂？还有人吗？

FAIL (pauses of 2.5 and 3 s: silence is over a third of the call)::

    rule: {forbid: {check: silence, min_s: 2, max_share: 0.2}}
    agent 0.0 2.0 您好，请问有什么可以帮您？
    customer 4.5 6.0 我查一下话费
    agent 9.0 11.0 好的，我帮您查询
    customer 13.0 14.0 好
"""

from __future__ import annotations

from ...schema import CallAnalysis, Evidence, Match, Segment
from ...metrics import silences
from ...text import find_phrase
from ..messages import say
from .turns import quote

ID = "silence"
NEEDS_AUDIO = True  # judges sound: na on a chat
PHRASE_OPTIONS = OPTIONAL_PHRASES = ("excuse_phrases", "excuse_except")
CONF = {"min_s": float, "excuse_phrases": [str], "excuse_except": [str], "excuse_within_s": float, "min_count": int,
        "max_share": float}
DEFAULT = {"min_s": 5.0, "excuse_phrases": None, "excuse_except": None, "excuse_within_s": 15.0, "min_count": 1,
           "max_share": None}


def validate(options: dict) -> str | None:
    if options["max_share"] is not None and not 0 <= options["max_share"] <= 1:
        return "max_share is a share between 0 and 1"
    return None


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    limit = options["min_s"]
    long_gaps = [(a, b) for a, b in silences(call.transcript) if b - a > limit]
    counted, excused = [], []
    for a, b in long_gaps:
        announcement = _announcement(segments, a, options)
        (excused if announcement else counted).append((a, b))
    note = say("silence.excused", n=len(excused)) if excused else ""
    evidence = tuple(Evidence(a, b, say("silence.gap", seconds=b - a, before=_said_before(segments, a)))
                     for a, b in counted)
    if options["max_share"] is not None:
        return _share(call.audio.duration_s, counted, evidence, options, note)
    if len(counted) >= options["min_count"] and counted:
        longest = max(b - a for a, b in counted)
        return Match(True, say("silence.found", n=len(counted), limit=limit, longest=longest, note=note), evidence)
    return Match(False, say("silence.none_unannounced" if options["excuse_phrases"] else "silence.none",
                            limit=limit, note=note))


def _share(duration_s: float, counted: list, evidence: tuple, options: dict, note) -> Match:
    silent_s = sum(b - a for a, b in counted)
    share = silent_s / duration_s if duration_s > 0 else 0.0
    hit = share > options["max_share"]
    reason = say("silence.share", share=share, silent=silent_s, duration=duration_s, limit=options["min_s"],
                 note=note, max_share=options["max_share"])
    return Match(hit, reason, evidence if hit else (), () if hit else evidence)


def _announcement(segments, gap_start: float, options: dict):
    if not options["excuse_phrases"]:
        return None
    # begun before the gap: a recogniser's sentence often ends later than the voice it holds
    before = [s for s in segments if s.role in ("agent", "unknown") and s.start_s < gap_start
              and s.end_s >= gap_start - options["excuse_within_s"]]
    near_misses = options["excuse_except"] or ()
    return next((p for s in reversed(before) for p in options["excuse_phrases"]  # tolerance: from four syllables
                 if find_phrase(s.text, p, pinyin=True, tolerance=1, excepts=near_misses)), None)


def _said_before(segments, time_s: float):
    before = [s for s in segments if s.start_s < time_s]
    if not before:
        return say("silence.call_start")
    return quote(max(before, key=lambda s: s.end_s))
