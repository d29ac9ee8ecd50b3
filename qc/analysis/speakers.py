"""Attach transcribed words to diarized speaker turns (pure).

Each word goes to the turn it overlaps most; a word that overlaps no turn goes to the
nearest one. Consecutive words of one speaker then become sentences as on a stereo
channel. Overlapping turns are kept as they are in the speech regions, so overtalk is
measured on what the diarizer heard, not on one side's words.
"""

from __future__ import annotations

from typing import Sequence

from ..schema import Segment, SpeechRegion, Turn, Word
from .timeline import split_sentences

def speaker_of(word: Word, turns: Sequence[Turn]) -> str:
    best, best_overlap = None, 0.0
    for speaker, start, end in turns:
        overlap = min(word.end_s, end) - max(word.start_s, start)
        if overlap > best_overlap:
            best, best_overlap = speaker, overlap
    if best is not None:
        return best
    middle = (word.start_s + word.end_s) / 2
    return min(turns, key=lambda t: min(abs(middle - t[1]), abs(middle - t[2])))[0]


def assign_words(words: Sequence[Word], turns: Sequence[Turn], roles: dict[str, str]) -> list[Segment]:
    """Sentences per speaker, with the role each speaker was given (``unknown`` if none)."""
    if not turns:
        return split_sentences(list(words), "S0", "unknown")
    sentences: list[Segment] = []
    run: list[Word] = []
    run_speaker = None
    for word in sorted(words, key=lambda w: (w.start_s, w.end_s)):
        speaker = speaker_of(word, turns)
        if run and speaker != run_speaker:
            sentences.extend(split_sentences(run, run_speaker, roles.get(run_speaker, "unknown")))
            run = []
        run_speaker = speaker
        run.append(word)
    if run:
        sentences.extend(split_sentences(run, run_speaker, roles.get(run_speaker, "unknown")))
    return sentences


def turns_as_speech(turns: Sequence[Turn], roles: dict[str, str]) -> list[SpeechRegion]:
    return [SpeechRegion(speaker, roles.get(speaker, "unknown"), start, end) for speaker, start, end in turns]

