"""speech-rate: a role speaks faster or slower than the allowed range.

Chinese speech is measured in characters per minute (CJK characters and digits, a Latin word
counting as one), other languages in words per minute; Chinese is assumed when the call's
language is Chinese or the role's sentences contain Chinese characters. Speaking time is
the sentences' duration, so pauses between sentences do not slow the rate. Typical
bounds: 150-330 characters per minute in Mandarin, 100-200 words per minute in English.

Options:
- ``role`` (agent, customer or any, default agent): whose sentences are measured.
- ``per`` (call or sentence, default call): ``call`` compares the role's units over its
  total speaking minutes; ``sentence`` hits when any single sentence is out of range.
- ``min`` / ``max`` (units per minute, at least one needed): the allowed range.
- ``min_sentence_s`` (seconds, default 1.0): with ``per: sentence``, shorter sentences
  (好的, 嗯) are not measured.

PASS (22 characters in 6 s: 220 per minute)::

    rule: {forbid: {check: speech-rate, role: agent, min: 150, max: 330}}
    agent 0.5 6.5 您好，这里是星河通信客服中心，请问有什么可以帮您？
    customer 7.0 9.0 我想查一下话费

FAIL (22 characters in 3 s: 440 per minute)::

    rule: {forbid: {check: speech-rate, role: agent, min: 150, max: 330}}
    agent 0.5 3.5 您好，这里是星河通信客服中心，请问有什么可以帮您？
    customer 4.0 6.0 我想查一下话费
"""

from __future__ import annotations

from ...schema import CallAnalysis, Evidence, Match, Segment
from .base import ROLES
from ...metrics import is_chinese, units
from ..messages import say, who
from .turns import bounds, check_bounds, outside, role_sentences

ID = "speech-rate"
CONF = {"role": ROLES, "per": ("call", "sentence"), "min": float, "max": float, "min_sentence_s": float}
DEFAULT = {"role": "agent", "per": "call", "min": None, "max": None, "min_sentence_s": 1.0}


def validate(options: dict) -> str | None:
    return check_bounds(options)


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    role, low, high = options["role"], options["min"], options["max"]
    sentences = [s for s in role_sentences(call.transcript, role) if s.end_s > s.start_s]
    chinese = is_chinese(call.transcript.language, [s.text for s in sentences])
    unit = say("rate.chars" if chinese else "rate.words")
    allowed = bounds(low, high)
    if options["per"] == "sentence":
        sentences = [s for s in sentences if s.end_s - s.start_s >= options["min_sentence_s"]]
    if not sentences:
        return Match(False, say("rate.no_speech", who=who(role)))
    party = "" if role == "any" else role
    if options["per"] == "call":
        minutes = sum(s.end_s - s.start_s for s in sentences) / 60
        rate = sum(units(s.text, chinese) for s in sentences) / minutes
        reason = say("rate.call", who=who(role), rate=rate, unit=unit, seconds=minutes * 60, allowed=allowed)
        if outside(rate, low, high):
            return Match(True, reason, (Evidence(sentences[0].start_s, sentences[-1].end_s,
                                                 say("rate.evidence", rate=rate, unit=unit, text=sentences[0].text),
                                                 party),))
        return Match(False, reason)
    rates = [(s, units(s.text, chinese) / (s.end_s - s.start_s) * 60) for s in sentences]
    off = [(s, r) for s, r in rates if outside(r, low, high)]
    reason = say("rate.sentences", off=len(off), n=len(rates), who=who(role), allowed=allowed, unit=unit,
                 low=min(r for _, r in rates), high=max(r for _, r in rates))
    evidence = tuple(Evidence(s.start_s, s.end_s, say("rate.evidence", rate=r, unit=unit, text=s.text), s.role)
                     for s, r in off)
    return Match(bool(off), reason, evidence)
