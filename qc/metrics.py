"""Conversation measures of one transcript (pure): what checks judge and scorecards show.

Turns, speaking time, silences, interruptions, speech units and a speaker's usual voice,
computed one way for both readers, so a rule and the page beside it never disagree on
what "a 6 s silence" or "2 interruptions" means.

Voice activity detection splits a turn at every short pause, so turn-taking measures first
close a role's pauses shorter than ``turn_gap_s`` into turns. Calls stored without voice
activity regions fall back to the sentences' times.

A chat (``AudioInfo.layout == "chat"``) has messages, each a moment, and no sound: its waits are
measured from message times (:func:`chat_waits`), and its time windows follow the agent's part
of the conversation (:func:`window`).
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple, Sequence

import numpy as np

from .schema import CHAT_LAYOUT, Acoustics, CallAnalysis, Segment, Transcript
from .text import CJK, LATIN_WORD

TURN_GAP_S = 1.0
INTERRUPTION_DELAY_MS = 500  # sooner than this into the other's turn is a simultaneous start
INTERRUPTION_OVERLAP_S = 1.0  # both talking for longer than this
SILENCE_DB = -100.0  # the level of a segment in which nothing was heard
_CJK_LANGUAGES = ("zh", "yue", "cmn")
WORD_SLACK_S = 0.3  # word timestamps are good to about this; a real interruption meets a word being said
_EPSILON_S = 1e-6  # times are read from text: 18.1 - 9.1 must still be 9.0


class Span(NamedTuple):
    start_s: float
    end_s: float


def other(role: str) -> str:
    return "customer" if role == "agent" else "agent"


def is_chat(analysis: CallAnalysis) -> bool:
    """A chat or IM conversation: text with message times, nothing to hear."""
    return analysis.audio.layout == CHAT_LAYOUT


def window(analysis: CallAnalysis) -> tuple[float, float]:
    """Where the conversation's time windows (the first 15 s, the last 30 s) start and end: the first
    and last sentence of a call; in a chat, the agent's first and last message (before, the customer
    was queued or talked to a bot; after, a late "thanks" or a survey), or the first and last message
    when the agent wrote none."""
    segments = analysis.transcript.segments
    if not segments:
        return 0.0, 0.0
    if is_chat(analysis):
        segments = [s for s in segments if s.role == "agent"] or segments
    return min(s.start_s for s in segments), max(s.end_s for s in segments)


def chat_waits(transcript: Transcript, role: str = "agent") -> list[Span]:
    """How long the other party waited for each answer of ``role`` in a chat: (when the wait began,
    the answer). A wait begins with the other party's first message since ``role`` last wrote, or
    since a bot replied (the bot answered what came before it), and ends with ``role``'s next
    message; a message of ``role`` that answers nothing opens no wait."""
    waits, since, bot_answered = [], None, False
    for seg in sorted(transcript.segments, key=lambda s: s.start_s):
        if seg.role == role:
            if since is not None:
                waits.append(Span(since, seg.start_s))
            since, bot_answered = None, False
        elif seg.role == other(role):
            if since is None or bot_answered:
                since, bot_answered = seg.start_s, False
        elif since is not None:  # a bot (or a sender of unknown role) answered what was asked so far
            bot_answered = True
    return waits


def spans(transcript: Transcript, role: str) -> list[Span]:
    """A role's voice-activity regions in time order, or its sentences' times without them."""
    source = transcript.speech or transcript.segments
    return sorted(Span(r.start_s, r.end_s) for r in source if role == "any" or r.role == role)


def turns(transcript: Transcript, role: str, gap_s: float = TURN_GAP_S) -> list[Span]:
    """A role's speech with pauses shorter than ``gap_s`` closed."""
    merged: list[Span] = []
    for start, end in spans(transcript, role):
        if merged and start - merged[-1].end_s < gap_s:
            merged[-1] = Span(merged[-1].start_s, max(merged[-1].end_s, end))
        else:
            merged.append(Span(start, end))
    return merged


def turn_numbers(timeline: Sequence[Segment]) -> dict[int, int]:
    """Turn number of each sentence (keyed by ``id``): it grows whenever the speaker changes in
    time order, so a turn is a speaker's consecutive sentences with nobody else's in between.
    Sentences without words or characters (a recogniser's lone punctuation) join no turn."""
    numbers, turn, previous = {}, -1, None
    for seg in sorted(timeline, key=lambda s: (s.start_s, s.end_s)):
        if not any(ch.isalnum() for ch in seg.text):
            continue
        if seg.speaker != previous:
            turn, previous = turn + 1, seg.speaker
        numbers[id(seg)] = turn
    return numbers


def joined_turns(chosen: Sequence[Segment], timeline: Sequence[Segment]) -> list[Segment]:
    """``chosen`` sentences (of ``timeline``) merged turn by turn: one segment per turn, its
    text the sentences' texts in order (a space between Latin words, none between Chinese
    characters), its words theirs; no acoustics (a turn's level is not one sentence's)."""
    number = turn_numbers(timeline)
    groups: dict[int, list[Segment]] = {}
    for index, seg in enumerate(chosen):
        groups.setdefault(number.get(id(seg), -1 - index), []).append(seg)
    merged = []
    for group in groups.values():
        text = group[0].text
        for seg in group[1:]:
            glue = "" if CJK.match(text[-1:] or " ") or CJK.match(seg.text[:1] or " ") else " "
            text = f"{text}{glue}{seg.text}" if text else seg.text
        merged.append(Segment(group[0].speaker, group[0].role, group[0].start_s, group[-1].end_s, text,
                              tuple(w for seg in group for w in seg.words)))
    return merged


def speaking_s(transcript: Transcript, role: str) -> float:
    """Seconds the role is heard (its overlapping regions counted once)."""
    return sum(t.end_s - t.start_s for t in turns(transcript, role, gap_s=0.0))


def speech_spans(transcript: Transcript) -> list[tuple[float, float]]:
    if transcript.speech:
        return [(r.start_s, r.end_s) for r in transcript.speech]
    return [(s.start_s, s.end_s) for s in transcript.segments]


def silences(transcript: Transcript) -> list[tuple[float, float]]:
    """Gaps between the union of all speech, in time order."""
    gaps, reach = [], None
    for start, end in sorted(speech_spans(transcript)):
        if reach is not None and start > reach:
            gaps.append((reach, start))
        reach = end if reach is None else max(reach, end)
    return gaps


def interruptions(transcript: Transcript, party: str, turn_gap_s: float = TURN_GAP_S,
                  min_delay_ms: int = INTERRUPTION_DELAY_MS, min_overlap_s: float = INTERRUPTION_OVERLAP_S,
                  heard_words: bool = False) -> list[tuple[Span, Span]]:
    """(the other's turn, the overlap) for each turn of ``party`` that talks over the other.

    ``heard_words``: speech regions found by a diarizer in one mixed channel, whose edges may
    run a second or more past a speaker's last word (a customer's turn stretched over the
    agent's reply read as the agent cutting in, on 5 of 32 mono renderings of one blind batch).
    Then the other party must also be saying a recognised word when the turn starts (give or
    take ``WORD_SLACK_S``): they were still talking; and both must be voiced together for
    longer than ``min_overlap_s`` (a turn's short pauses closed are no co-speech: two blips of
    0.3 s a diarizer found inside the customer's turn are no interruption). Words said during
    the overlap are not required of either: in one channel the recogniser often hears one voice."""
    theirs = turns(transcript, other(party), turn_gap_s)
    words = [(w.start_s, w.end_s) for s in transcript.segments if s.role == other(party) for w in s.words] \
        if heard_words else []
    regions = (spans(transcript, party), spans(transcript, other(party))) if heard_words else ((), ())
    found = []
    for mine in turns(transcript, party, turn_gap_s):
        current = next((t for t in theirs if t.start_s <= mine.start_s < t.end_s), None)
        if current is None:
            continue
        overlap = Span(mine.start_s, min(mine.end_s, current.end_s))
        if heard_words and not ((not words or _still_talking(words, mine.start_s))  # a transcript without words
                                and _together_s(*regions, overlap) > min_overlap_s + _EPSILON_S):
            continue
        late_enough = mine.start_s - current.start_s >= min_delay_ms / 1000 - _EPSILON_S
        if late_enough and overlap.end_s - overlap.start_s > min_overlap_s + _EPSILON_S:
            found.append((current, overlap))
    return found


def diarized(analysis: CallAnalysis) -> bool:
    """Whether the call's speakers were found by a diarizer in one mixed channel (not channels, not a chat)."""
    return analysis.diarization is not None and analysis.diarization.method not in ("channels", "chat", "none")


def _still_talking(words: Sequence[tuple[float, float]], at_s: float) -> bool:
    """Whether the other party says a word at ``at_s``, give or take ``WORD_SLACK_S``."""
    return any(start <= at_s + WORD_SLACK_S and end >= at_s - WORD_SLACK_S for start, end in words)


def _together_s(mine: Sequence[Span], theirs: Sequence[Span], within: Span) -> float:
    """Seconds within ``within`` where a region of ``mine`` and one of ``theirs`` are both voiced."""
    total = 0.0
    for a in mine:
        for b in theirs:
            total += max(0.0, min(a.end_s, b.end_s, within.end_s) - max(a.start_s, b.start_s, within.start_s))
    return total


def is_chinese(language: str, texts) -> bool:
    return language.lower().startswith(_CJK_LANGUAGES) or any(CJK.search(t) for t in texts)


def units(text: str, chinese: bool) -> int:
    """Spoken units: characters for Chinese (CJK characters, digits, Latin words), else words."""
    text = unicodedata.normalize("NFKC", text)
    if chinese:
        return len(CJK.findall(text)) + sum(c.isdigit() for c in text) + len(LATIN_WORD.findall(text))
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


def heard(segment: Segment) -> bool:
    """Whether the segment has measured acoustics with some sound in it."""
    return segment.acoustics is not None and segment.acoustics.loudness_db > SILENCE_DB


def baseline(segments: Sequence[Segment], percentile: float = 50) -> Acoustics | None:
    """How a speaker usually sounds: the median of each measure over their heard segments
    (pitch over the voiced ones), or another ``percentile`` of them; None when none was heard."""
    sounded = [s.acoustics for s in segments if heard(s)]
    if not sounded:
        return None
    voiced = [a for a in sounded if a.pitch_hz > 0]
    return Acoustics(float(np.percentile([a.loudness_db for a in sounded], percentile)),
                     float(np.percentile([a.pitch_hz for a in voiced], percentile)) if voiced else 0.0,
                     float(np.percentile([a.pitch_range_st for a in voiced], percentile)) if voiced else 0.0)


def call_metrics(analysis: CallAnalysis, gaps: list[tuple[float, float]]) -> dict:
    """Talk share, silence, interruptions and speech rate of one call (agent measures need roles);
    ``gaps`` are the silences the page counts. A chat has none of these, but the customer's waits
    for the agent: the first (first response time) and the longest."""
    transcript = analysis.transcript
    duration = analysis.audio.duration_s or 1.0
    metrics = {"silence_pct": round(100 * sum(b - a for a, b in gaps) / duration, 1),
               "longest_silence_s": round(max((b - a for a, b in gaps), default=0.0), 1),
               "talk_ratio_pct": None, "interruptions": None, "speech_rate": None, "rate_unit": None,
               "first_response_s": None, "longest_wait_s": None}
    if is_chat(analysis):
        waits = [b - a for a, b in chat_waits(transcript)]
        return {**dict.fromkeys(metrics), "first_response_s": round(waits[0], 1) if waits else None,
                "longest_wait_s": round(max(waits), 1) if waits else None}
    if not transcript.roles_known:
        return metrics
    spoken = {role: speaking_s(transcript, role) for role in ("agent", "customer", "unknown")}
    if sum(spoken.values()) > 0:
        metrics["talk_ratio_pct"] = round(100 * spoken["agent"] / sum(spoken.values()), 1)
    metrics["interruptions"] = len(interruptions(transcript, "agent", heard_words=diarized(analysis)))
    sentences = [s for s in transcript.segments if s.role == "agent" and s.end_s > s.start_s]
    if sentences:
        chinese = is_chinese(transcript.language, [s.text for s in sentences])
        minutes = sum(s.end_s - s.start_s for s in sentences) / 60
        metrics["speech_rate"] = round(sum(units(s.text, chinese) for s in sentences) / minutes)
        metrics["rate_unit"] = "chars_per_min" if chinese else "words_per_min"
    return metrics
