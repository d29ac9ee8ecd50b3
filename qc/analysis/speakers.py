"""Attach transcribed words to diarized speaker turns (pure), so no sentence holds two speakers.

Whisper's word times and pyannote's turns disagree near speaker changes, and that is where
one party's words used to land in the other's bubble. The join, step by step:

1. Overtalk is resolved first: where two speakers' turns overlap, the time belongs to the turn
   that ends first: a short reply inside a longer turn (pyannote fills a speaker's short pauses,
   so its turn runs over the other's 不知道), or the speaker finishing while the next one starts
   (Whisper keeps transcribing the voice it was following; the other's words come after).
2. Words are grouped in clauses: cut after punctuation, at pauses of ``CLAUSE_GAP_S`` and where
   Whisper began a new segment.
3. Whisper stretches a word at the edge of an utterance into the silence beside it (the first
   word of a reply often starts in the previous speaker's last syllables): a clause's first or
   last word longer than ``STRETCH_FACTOR`` times the call's median word is judged by its inner
   part only.
4. Each word goes to the speaker holding most of it; a word in no turn, to the nearest one.
5. A clause is said by one person: a stray run of words in it (a single word, or under
   ``STRAY_RUN_S``) given to another speaker than its neighbours joins the neighbouring run
   that holds more of the clause. Two long runs stay apart: a clause can cross a real change.
6. Sentences are cut at every speaker change, then as on a stereo channel (timeline.py).

Overlapping turns are kept as they are in the speech regions, so overtalk is measured on
what the diarizer heard, not on one side's words.
"""

from __future__ import annotations

from dataclasses import replace
from statistics import median
from typing import Collection, Sequence

from ..schema import Segment, SpeechRegion, Turn, Word
from .timeline import SENTENCE_END, split_sentences

CLAUSE_END = SENTENCE_END + tuple("，,、：:")
CLAUSE_GAP_S = 0.3
STRETCH_FACTOR = 2.5
MIN_STRETCH_S = 0.4  # never judge a word on less than this
STRAY_RUN_S = 0.35


def exclusive_turns(turns: Sequence[Turn]) -> list[Turn]:
    """The turns without overlap: overlapped time goes to the turn that ends first."""
    edges = sorted({t for turn in turns for t in (turn[1], turn[2])})
    spans: list[Turn] = []
    for start, end in zip(edges, edges[1:]):
        active = [turn for turn in turns if turn[1] <= start and turn[2] >= end]
        if not active:
            continue
        speaker = min(active, key=lambda turn: (turn[2], -turn[1]))[0]
        if spans and spans[-1].speaker == speaker and spans[-1].end_s == start:
            spans[-1] = Turn(speaker, spans[-1].start_s, end)
        else:
            spans.append(Turn(speaker, start, end))
    return spans


def speaker_of(word: Word, turns: Sequence[Turn]) -> str:
    """The speaker holding most of ``word`` (the nearest turn's when none does)."""
    held: dict[str, float] = {}
    for speaker, start, end in turns:
        overlap = min(word.end_s, end) - max(word.start_s, start)
        if overlap > 0:
            held[speaker] = held.get(speaker, 0.0) + overlap
    if held:
        return max(held, key=held.get)
    middle = (word.start_s + word.end_s) / 2
    return min(turns, key=lambda t: min(abs(middle - t[1]), abs(middle - t[2])))[0]


def assign_words(words: Sequence[Word], turns: Sequence[Turn], roles: dict[str, str],
                 segment_starts_s: Collection[float] = ()) -> list[Segment]:
    """Sentences per speaker, with the role each speaker was given (``unknown`` if none).

    ``segment_starts_s``: where Whisper began each segment (its first word's start): a clause
    starts there too."""
    words = sorted(words, key=lambda w: (w.start_s, w.end_s))
    if not turns:
        return split_sentences(words, "S0", "unknown")
    clauses = _clauses(words, set(segment_starts_s))
    spans = exclusive_turns(turns)
    labels = [speaker_of(w, spans) for w in _inner_parts(words, clauses)]
    for a, b in clauses:
        labels[a:b] = _absorb_strays(words[a:b], labels[a:b])
    sentences: list[Segment] = []
    for a, b in _runs(labels):
        sentences.extend(split_sentences(words[a:b], labels[a], roles.get(labels[a], "unknown")))
    return sentences


def _clauses(words: list[Word], segment_starts_s: set[float]) -> list[tuple[int, int]]:
    """``(first, end)`` word indices of each clause: cut after punctuation, at pauses and where
    Whisper began a segment."""
    cuts = [i for i in range(1, len(words))
            if words[i].start_s - words[i - 1].end_s >= CLAUSE_GAP_S or words[i].start_s in segment_starts_s
            or words[i - 1].text.strip().endswith(CLAUSE_END)]
    edges = [0, *cuts, len(words)]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def _inner_parts(words: list[Word], clauses: list[tuple[int, int]]) -> list[Word]:
    """The words, with a first (last) word of a clause that is too long cut back to its last (first)
    ``STRETCH_FACTOR`` medians: Whisper stretches words into the pause beside them."""
    inner = list(words)
    if not words:
        return inner
    longest = max(MIN_STRETCH_S, STRETCH_FACTOR * median(w.end_s - w.start_s for w in words))
    for a, b in clauses:
        first, last = words[a], words[b - 1]
        if first.end_s - first.start_s > longest:
            inner[a] = replace(first, start_s=first.end_s - longest)
        if b - 1 > a and last.end_s - last.start_s > longest:
            inner[b - 1] = replace(last, end_s=last.start_s + longest)
    return inner


def _absorb_strays(words: list[Word], labels: list[str]) -> list[str]:
    """Inside one clause: stray runs join the neighbouring run that holds more of the clause."""
    labels = list(labels)
    while True:
        runs = _runs(labels)
        if len(runs) < 2:
            return labels
        lengths = [sum(words[k].end_s - words[k].start_s for k in range(a, b)) for a, b in runs]
        strays = [r for r, (a, b) in enumerate(runs) if b - a == 1 or lengths[r] < STRAY_RUN_S]
        if not strays:
            return labels
        r = min(strays, key=lambda r: lengths[r])  # the shortest first, then look again
        into = max((n for n in (r - 1, r + 1) if 0 <= n < len(runs)), key=lambda n: lengths[n])
        a, b = runs[r]
        labels[a:b] = [labels[runs[into][0]]] * (b - a)


def _runs(labels: list[str]) -> list[tuple[int, int]]:
    runs, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            runs.append((start, i))
            start = i
    return runs


def turns_as_speech(turns: Sequence[Turn], roles: dict[str, str]) -> list[SpeechRegion]:
    return [SpeechRegion(speaker, roles.get(speaker, "unknown"), start, end) for speaker, start, end in turns]
