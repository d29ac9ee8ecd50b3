"""loudness: sentences in scope said too loud, or a raised voice against the speaker's own level.

Each sentence's level is its measured ``loudness_db`` (RMS of its active frames in dBFS,
measured on the speaker's own channel by qc/acoustics.py). A speaker's *baseline* is the
median level of all their sentences in the call, whatever the scope, so a rule about the
last sentences still compares with how the speaker spoke all along. Sentences without measured acoustics (text-only imports,
silence) are ignored; when no sentence in scope has them the rule is ``na``.

Options (at least one of ``max_db`` and ``max_jump_db``):
- ``max_db`` (dBFS): a sentence louder than this hits (0 dBFS is full scale).
- ``max_jump_db`` (dB): a sentence louder than its speaker's baseline by more than this hits.
- ``min_pitch_rise_st`` (semitones): with it, a jump counts only when the sentence's pitch is
  also at least this far above the speaker's usual pitch (0: not lower; -1.5: not more than
  1.5 semitones lower, the sway of a sentence's pitch with its words). Vocal effort raises
  pitch with level, so a raised voice is louder *and* higher; a sentence that is only louder
  may be the microphone moving. A sentence with no measured pitch does not count as a jump.
- ``min_duration_s`` (seconds, default 0): shorter sentences are not judged (they still count
  in the baseline): the level of a word or two ("Bye.", 好的) swings by several dB.
- ``min_hits`` (integer, default 1): how many such sentences make a hit.

PASS::

    rule: {forbid: {check: loudness, role: agent, max_jump_db: 6}}
    agent 0.5 3.0 [loudness_db=-24] 您好，请问有什么可以帮您
    agent 8.0 10.0 [loudness_db=-23] 我帮您查一下
    agent 12.0 14.0 [loudness_db=-22] 感谢您的来电

FAIL (the agent's last sentence is 10 dB above the agent's usual level)::

    rule: {forbid: {check: loudness, role: agent, max_jump_db: 6}}
    agent 0.5 3.0 [loudness_db=-24] 您好
    agent 8.0 10.0 [loudness_db=-23] 这个不归我管
    agent 12.0 14.0 [loudness_db=-13] 我说了不归我管！
"""

from __future__ import annotations

import math
from typing import Optional

from ...messages import joined
from ...metrics import baseline, heard
from ...schema import Acoustics, CallAnalysis, Evidence, Match, Segment
from ..messages import say
from .base import NotApplicable

ID = "loudness"
NEEDS_AUDIO = True  # judges sound: na on a chat
SCOPED = True
CONF = {"max_db": float, "max_jump_db": float, "min_pitch_rise_st": float, "min_duration_s": float, "min_hits": int}
DEFAULT = {"max_db": None, "max_jump_db": None, "min_pitch_rise_st": None, "min_duration_s": 0.0, "min_hits": 1}


def validate(options: dict) -> str | None:
    if options["max_db"] is None and options["max_jump_db"] is None:
        return "at least one of max_db and max_jump_db is needed"
    if options["max_jump_db"] is not None and options["max_jump_db"] <= 0:
        return "max_jump_db must be above 0"
    if options["min_pitch_rise_st"] is not None and options["max_jump_db"] is None:
        return "min_pitch_rise_st qualifies max_jump_db, which is missing"
    if options["min_duration_s"] < 0:
        return "min_duration_s must be 0 or more"
    if options["min_hits"] < 1:
        return "min_hits must be at least 1"
    return None


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    measured = [s for s in segments if heard(s)]
    ignored = len(segments) - len(measured)
    if segments and not measured:
        raise NotApplicable(say("loudness.no_acoustics", n=len(segments)))
    if not measured:
        return Match(False, say("no_sentence_in_scope"))
    usual = {speaker: baseline([s for s in call.transcript.segments if s.speaker == speaker])
             for speaker in {s.speaker for s in measured}}
    rises = {id(s): s.acoustics.loudness_db - usual[s.speaker].loudness_db for s in measured}
    judged = [s for s in measured if s.end_s - s.start_s >= options["min_duration_s"]]
    loud = [s for s in judged if _too_loud(s, rises[id(s)], _pitch_rise(s, usual[s.speaker]), options)]
    note = say("loudness.ignored", n=ignored) if ignored else ""
    if len(loud) >= options["min_hits"]:
        evidence = tuple(Evidence(s.start_s, s.end_s, say("loudness.evidence", db=s.acoustics.loudness_db,
                                                          rise=rises[id(s)], usual=usual[s.speaker].loudness_db,
                                                          pitch=_pitch_note(s, usual[s.speaker]), text=s.text),
                                  s.role) for s in loud)
        return Match(True, say("loudness.found", n=len(loud), limits=_limits(options), note=note), evidence)
    measures = {"limits": _limits(options), "loudest": max(s.acoustics.loudness_db for s in measured),
                "rise": max(rises.values()), "note": note}
    if loud:
        return Match(False, say("loudness.too_few", n=len(loud), min_hits=options["min_hits"], **measures))
    return Match(False, say("loudness.none", **measures))


def _too_loud(seg: Segment, rise_db: float, pitch_rise_st: Optional[float], options: dict) -> bool:
    if options["max_db"] is not None and seg.acoustics.loudness_db > options["max_db"]:
        return True
    if options["max_jump_db"] is None or rise_db <= options["max_jump_db"]:
        return False
    wanted = options["min_pitch_rise_st"]
    return wanted is None or (pitch_rise_st is not None and pitch_rise_st >= wanted)


def _pitch_rise(seg: Segment, usual: Acoustics) -> Optional[float]:
    """Semitones above the speaker's usual pitch; None when either is unvoiced."""
    if seg.acoustics.pitch_hz <= 0 or usual.pitch_hz <= 0:
        return None
    return 12.0 * math.log2(seg.acoustics.pitch_hz / usual.pitch_hz)


def _pitch_note(seg: Segment, usual: Acoustics):
    rise = _pitch_rise(seg, usual)
    return say("loudness.evidence_pitch", st=rise) if rise is not None else ""


def _pitch_limit(wanted: float):
    """How the pitch must stand against usual: not lower (0), this far above (> 0) or at most this far below (< 0)."""
    if wanted == 0:
        return say("loudness.pitch_not_lower")
    return say("loudness.pitch_rise", st=wanted) if wanted > 0 else say("loudness.pitch_not_below", st=-wanted)


def _limits(options: dict):
    parts = []
    if options["max_db"] is not None:
        parts.append(say("loudness.max_db", db=options["max_db"]))
    if options["max_jump_db"] is not None:
        jump = say("loudness.max_jump", db=options["max_jump_db"])
        wanted = options["min_pitch_rise_st"]
        if wanted is not None:
            pitch = _pitch_limit(wanted)
            jump = joined((jump, pitch), "none")
        parts.append(jump)
    limits = joined(parts, "or")
    if options["min_duration_s"] > 0:
        return joined((limits, say("loudness.min_duration", s=options["min_duration_s"])), "none")
    return limits
