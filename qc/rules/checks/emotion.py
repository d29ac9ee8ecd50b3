"""emotion: how a speaker felt, from the words and from the voice.

Each sentence of ``role`` gets a score in [-1, 1] and a label. The words give ``text``, the
sentiment of qc/rules/sentiment.py (politeness and apology formulas count as neutral). The
voice gives ``arousal`` in [0, 1], measured against the same speaker's *baseline*, how they
sound when calm: the lower quartile of their sentences in the call (of loudness, pitch, pitch
range and rate), so a naturally loud or high voice is not anger, and a customer angry for most
of the call is not their own baseline (with the median, their angry turns read as usual)::

    loud    = clip((loudness_db - baseline) / 6 dB, 0, 1)
    pitch   = clip(semitones(pitch_hz / baseline) / 4 st, 0, 1)
    range   = clip((pitch_range_st - baseline) / 4 st, 0, 1)
    rate    = clip((characters or words per second / baseline - 1) / 0.3, 0, 1)
    arousal = 0.4 loud + 0.25 pitch + 0.15 range + 0.2 rate   (missing cues count 0)
    score   = clip(text - 0.5 * arousal * (1 - max(text, 0)), -1, 1)

An aroused voice pulls neutral or negative words down (a shouted "hello? anyone there?"
reads negative), and pleased words less so. The label is ``angry`` when the score is at or
below ``angry_threshold`` and arousal is at least 0.3 (anger needs the voice: words alone
say at most ``negative``), ``negative`` when at or below ``threshold``, else ``neutral``.
A chat is read from its words alone: ``label: angry`` is ``na`` there.

``end`` and ``worsened`` read *turns*: a speaker's consecutive sentences with nobody else's
in between, their words scored as one text and their arousal averaged by duration, so a
verdict does not depend on where the recogniser split 喂？还有人吗？ into sentences.

Options:
- ``role`` (agent, customer or any; default customer): whose speech is read.
- ``mode`` (default end): ``end`` hits when the role's last ``last_turns`` turns, taken
  together (mean score and arousal), reach ``label``, unless the very last turn is calm
  (neutral words and, in a voice measured over at least 1 s, arousal under 0.25: a customer who shouted,
  then said 行吧，我再考虑考虑 in their own voice, ended calm); ``worsened`` hits when the mean score
  of the role's last third of turns is below that of the first third by more than
  ``min_drop``; ``any`` hits when any sentence reaches ``label``.
- ``label`` (negative or angry, default negative): ``negative`` is reached by negative and
  angry speech, ``angry`` only by angry speech.
- ``last_turns`` (integer, default 2), ``min_drop`` (number, default 0.3),
  ``threshold`` (number, default -0.3), ``angry_threshold`` (number, default -0.6).

PASS (the customer ends pleased)::

    rule: {forbid: {check: emotion, role: customer, mode: end}}
    customer 3.5 6.0 我的话费怎么多了五十块？
    agent 6.5 9.0 非常抱歉给您带来不便，已经为您退订
    customer 9.5 11.0 好的，没有了，谢谢。

FAIL::

    rule: {forbid: {check: emotion, role: customer, mode: end}}
    customer 3.5 6.0 我的话费怎么多了五十块？
    agent 6.5 9.0 这个不归我管
    customer 9.5 12.0 你们到底怎么回事？我要投诉！
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ...messages import Message, joined, role as role_word
from ...metrics import SILENCE_DB, baseline, is_chat, turn_numbers
from ...schema import Acoustics, CallAnalysis, Evidence, Match, Segment
from ...text import CJK_CHARS
from ..messages import say, who
from ..sentiment import Sentiment
from .base import NotApplicable

ID = "emotion"
MODELS = ("sentiment",)
CONF = {"role": ("agent", "customer", "any"), "mode": ("end", "worsened", "any"), "label": ("negative", "angry"),
        "last_turns": int, "min_drop": float, "threshold": float, "angry_threshold": float}
DEFAULT = {"role": "customer", "mode": "end", "label": "negative", "last_turns": 2, "min_drop": 0.3,
           "threshold": -0.3, "angry_threshold": -0.6}

CUE_WEIGHTS = {"loud": 0.4, "pitch": 0.25, "range": 0.15, "rate": 0.2}
FULL_RISE = {"loud": 6.0, "pitch": 4.0, "range": 4.0, "rate": 0.3}  # dB, st, st, fraction faster
AROUSAL_WEIGHT = 0.5
ANGRY_AROUSAL = 0.3
CALM_AROUSAL = 0.25  # a turn this calm in voice, with neutral words, ends a call calm
CALM_MIN_S = 1.0  # ... when it lasts this long: half a second (没了) tells little of a voice
CALM_PERCENTILE = 25  # the speaker's baseline: how they sound when calm (the median is anger for the angry)
SHOWN_RISE = 0.1  # evidence names the cues that rose at least this share of a full rise
MIN_RATE_DURATION_S = 0.3
SPOKEN_UNIT = re.compile(f"[{CJK_CHARS}]|[A-Za-z0-9']+")
REACHES = {"negative": ("negative", "angry"), "angry": ("angry",)}


@dataclass(frozen=True)
class Reading:
    """One sentence or turn as the check read it."""

    segment: Segment
    text: float
    arousal: float
    score: float
    label: str
    cues: dict  # each voice cue's rise above the speaker's baseline

    def evidence(self) -> Evidence:
        shown = [_describe(k, v) for k, v in self.cues.items() if v >= SHOWN_RISE * FULL_RISE[k]]
        voice = say("emotion.voice", cues=joined(shown)) if shown else ""
        return Evidence(self.segment.start_s, self.segment.end_s,
                        say("emotion.evidence", label=say(f"emotion.{self.label}"), score=self.score, words=self.text,
                            voice=voice, text=self.segment.text), self.segment.role)


def validate(options: dict) -> Optional[str]:
    if options["last_turns"] < 1:
        return "last_turns must be at least 1"
    if not -1 <= options["angry_threshold"] <= options["threshold"] <= 1:
        return "need -1 <= angry_threshold <= threshold <= 1"
    if options["min_drop"] <= 0:
        return "min_drop must be above 0"
    return None


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict, models) -> Match:
    role = options["role"]
    if options["label"] == "angry" and is_chat(call):
        raise NotApplicable(say("emotion.chat_not_angry"))
    if role != "any" and not call.transcript.roles_known:
        raise NotApplicable(say("roles_unknown", what=say("what.felt", role=role_word(role))))
    spoken = [s for s in segments if (role == "any" or s.role == role) and SPOKEN_UNIT.search(s.text)]
    if not spoken:
        return Match(False, say("emotion.said_nothing", who=who(role)))
    everyone = call.transcript.segments
    sentiment = models.get("sentiment")
    if options["mode"] == "any":
        return _any(read_sentences(spoken, everyone, options, sentiment), role, options)
    turns = read_turns(spoken, everyone, options, sentiment)
    return (_end if options["mode"] == "end" else _worsened)(turns, role, options)


def read_sentences(segments: Sequence[Segment], everyone: Sequence[Segment], options: dict,
                   sentiment: Sentiment) -> list[Reading]:
    """Score and label ``segments``; ``everyone`` (the whole call) gives each speaker's baseline."""
    usual = {}
    for speaker in {s.speaker for s in segments}:
        own = [s for s in everyone if s.speaker == speaker]
        usual[speaker] = (baseline(own, CALM_PERCENTILE), _usual_rate(own))
    return [_reading(seg, sentiment.score(seg.text), _voice_cues(seg, *usual[seg.speaker]), options)
            for seg in segments]


def read_turns(segments: Sequence[Segment], everyone: Sequence[Segment], options: dict,
               sentiment: Sentiment) -> list[Reading]:
    """Like :func:`read_sentences`, for each run of one speaker's sentences in the call."""
    turn_of = turn_numbers(everyone)
    groups: dict[int, list[Reading]] = {}
    for index, reading in enumerate(read_sentences(segments, everyone, options, sentiment)):
        groups.setdefault(turn_of.get(id(reading.segment), -1 - index), []).append(reading)
    return [_joined(group, sentiment, options) for group in groups.values()]


def _joined(readings: list[Reading], sentiment: Sentiment, options: dict) -> Reading:
    if len(readings) == 1:
        return readings[0]
    first, last = readings[0].segment, readings[-1].segment
    text = " ".join(r.segment.text for r in readings)
    weights = [max(r.segment.end_s - r.segment.start_s, 0.01) for r in readings]
    cues = {}
    for key in FULL_RISE:
        having = [(w, r.cues[key]) for w, r in zip(weights, readings) if key in r.cues]
        if having:
            cues[key] = sum(w * v for w, v in having) / sum(w for w, _ in having)
    arousal = sum(w * r.arousal for w, r in zip(weights, readings)) / sum(weights)
    turn = Segment(first.speaker, first.role, first.start_s, last.end_s, text)
    return _reading(turn, sentiment.score(text), cues, options, arousal)


def _reading(seg: Segment, text: float, cues: dict, options: dict, arousal: Optional[float] = None) -> Reading:
    if arousal is None:
        arousal = sum(CUE_WEIGHTS[k] * min(1.0, max(0.0, v / FULL_RISE[k])) for k, v in cues.items())
    score = max(-1.0, min(1.0, text - AROUSAL_WEIGHT * arousal * (1 - max(text, 0.0))))
    return Reading(seg, text, arousal, score, label_of(score, arousal, options), cues)


def label_of(score: float, arousal: float, options: dict) -> str:
    if score <= options["angry_threshold"] and arousal >= ANGRY_AROUSAL:
        return "angry"
    return "negative" if score <= options["threshold"] else "neutral"


def _voice_cues(seg: Segment, usual: Optional[Acoustics], usual_rate: Optional[float]) -> dict[str, float]:
    """Each cue's rise above the speaker's baseline, for the cues both sides have."""
    cues = {}
    now = seg.acoustics
    if now is not None and usual is not None and now.loudness_db > SILENCE_DB:
        cues["loud"] = now.loudness_db - usual.loudness_db
        if now.pitch_hz > 0 and usual.pitch_hz > 0:
            cues["pitch"] = 12.0 * math.log2(now.pitch_hz / usual.pitch_hz)
            cues["range"] = now.pitch_range_st - usual.pitch_range_st
    rate = _rate(seg)
    if rate is not None and usual_rate:
        cues["rate"] = rate / usual_rate - 1.0
    return cues


def _describe(cue: str, value: float) -> Message:
    return say(f"emotion.{cue}", value=100 * value if cue == "rate" else value)


def _rate(seg: Segment) -> Optional[float]:
    duration = seg.end_s - seg.start_s
    units = len(SPOKEN_UNIT.findall(seg.text))
    return units / duration if duration >= MIN_RATE_DURATION_S and units else None


def _usual_rate(segments: Sequence[Segment]) -> Optional[float]:
    rates = [r for r in (_rate(s) for s in segments) if r is not None]
    return float(np.percentile(rates, CALM_PERCENTILE)) if rates else None


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def _end(turns: list[Reading], role: str, options: dict) -> Match:
    last = turns[-options["last_turns"]:]
    score, arousal = _mean(r.score for r in last), _mean(r.arousal for r in last)
    label = label_of(score, arousal, options)
    evidence = tuple(r.evidence() for r in last)
    summary = say("emotion.ended", who=who(role), label=say(f"emotion.{label}"), score=score, n=len(last))
    if label not in REACHES[options["label"]]:
        return Match(False, summary, (), evidence)
    if _calm(last[-1]):  # reached over the last turns, but the very last one is calm: ended calm
        return Match(False, say("emotion.ended_calm", who=who(role), score=score, n=len(last)), (), evidence)
    return Match(True, summary, evidence)


def _calm(turn: Reading) -> bool:
    """Calm in words and in a voice that was heard for long enough: a transcript or chat without
    sound says nothing of the voice (喂？还有人吗？ typed, or shouted), nor does a curt 没了."""
    heard_s = turn.segment.end_s - turn.segment.start_s
    return ("loud" in turn.cues and turn.label == "neutral" and turn.arousal < CALM_AROUSAL
            and heard_s >= CALM_MIN_S)


def _worsened(turns: list[Reading], role: str, options: dict) -> Match:
    if len(turns) < 3:
        return Match(False, say("emotion.few_turns", who=who(role), n=len(turns)), (),
                     tuple(r.evidence() for r in turns))
    third = len(turns) // 3
    before, after = _mean(r.score for r in turns[:third]), _mean(r.score for r in turns[-third:])
    summary = say("emotion.worsened", who=who(role), before=before, after=after, drop=options["min_drop"])
    evidence = tuple(r.evidence() for r in turns[-third:])
    if before - after > options["min_drop"]:
        return Match(True, summary, evidence)
    return Match(False, summary, (), evidence)


def _any(sentences: list[Reading], role: str, options: dict) -> Match:
    found = [r for r in sentences if r.label in REACHES[options["label"]]]
    wanted = say("emotion.angry" if options["label"] == "angry" else "emotion.negative_or_angry")
    if found:
        return Match(True, say("emotion.found", n=len(found), wanted=wanted, who=who(role)),
                     tuple(r.evidence() for r in found))
    lowest = min(sentences, key=lambda r: r.score)
    return Match(False, say("emotion.none", wanted=wanted, who=who(role), lowest=lowest.score), (), (lowest.evidence(),))
