"""What the agent had to absorb in a call: the customer's anger and abuse (agent wellbeing).

A call counts as *difficult* when the customer was angry in some sentence or used abusive
words. Angry is read as the emotion check reads it (:mod:`qc.rules.checks.emotion`, its
default thresholds: sentiment of the words at or below -0.6 with a raised voice against the
customer's own baseline); a sentence with no voice (a chat message) is angry on its words
alone. Abusive is a word of :data:`ABUSIVE` (insults and swearing aimed at a person, not
words of dissatisfaction such as 投诉 or "terrible", which are a complaint's).

Supervisors see, per agent, how many such calls they took: a load to support them with
(debriefs, breaks, rotation), never a fault of the agent's, and never part of any score.
"""

from __future__ import annotations

import re
from typing import Optional

from ..schema import CallAnalysis
from .checks import emotion
from .context import CustomerLoad, Moment

MOMENTS_KEPT = 3
ABUSIVE = {
    "zh": ("傻逼", "傻b", "煞笔", "他妈的", "妈的", "你妈", "操你", "去死", "滚蛋", "混蛋", "王八蛋", "神经病", "脑子有病",
           "你有病", "废物", "白痴", "蠢货", "狗东西", "贱人", "畜生", "不要脸"),
    "en": ("fuck", "fucking", "fucked", "shit", "bullshit", "bitch", "bastard", "asshole", "arsehole", "idiot",
           "idiots", "moron", "morons", "stupid cow", "screw you", "shut up", "piss off", "dickhead", "twat", "cunt"),
}
_EN_ABUSE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ABUSIVE["en"]) + r")\b", re.IGNORECASE)
_ZH_ABUSE = re.compile("|".join(re.escape(w) for w in sorted(ABUSIVE["zh"], key=len, reverse=True)), re.IGNORECASE)


def abusive_words(text: str) -> list[str]:
    """The abusive words and phrases in ``text`` (lower case, in order)."""
    found = [(m.start(), m.group().lower()) for pattern in (_ZH_ABUSE, _EN_ABUSE) for m in pattern.finditer(text)]
    return [word for _, word in sorted(found)]


def customer_load(analysis: CallAnalysis, sentiment) -> Optional[CustomerLoad]:
    """The customer's angry sentences and abusive words; None when who the customer is is unknown."""
    transcript = analysis.transcript
    if not transcript.roles_known:
        return None
    spoken = [s for s in transcript.segments if s.role == "customer" and emotion.SPOKEN_UNIT.search(s.text)]
    if not spoken:
        return CustomerLoad(0, ())
    readings = emotion.read_sentences(spoken, transcript.segments, emotion.DEFAULT, sentiment)
    angry = [r.segment for r in readings if r.label == "angry"
             or (r.segment.acoustics is None and r.text <= emotion.DEFAULT["angry_threshold"])]
    abusive = [(seg, words) for seg in spoken if (words := abusive_words(seg.text))]
    moments = sorted({(s.start_s, s.end_s, s.text) for s in angry + [seg for seg, _ in abusive]})
    return CustomerLoad(len(angry), tuple(w for _, words in abusive for w in words),
                        tuple(Moment(*m) for m in moments[:MOMENTS_KEPT]))
