"""Turn per-channel recogniser output into one speaker-attributed timeline (pure).

Whisper groups Mandarin into segments that can span a whole 30 s window, so sentences
are rebuilt from word timestamps: a new sentence starts after sentence-final punctuation
followed by a pause, or after any long pause.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ..schema import Role, Segment, SpeechRegion, Transcript, Word

SENTENCE_END = tuple("。！？!?.；;")


def split_sentences(words: Sequence[Word], speaker: str, role: Role, max_gap_s: float = 0.8,
                    punct_gap_s: float = 0.25) -> list[Segment]:
    """Group consecutive words into sentences of one speaker."""
    sentences: list[Segment] = []
    current: list[Word] = []
    for word in words:
        if current:
            gap = word.start_s - current[-1].end_s
            ends = current[-1].text.strip().endswith(SENTENCE_END)
            if gap >= max_gap_s or (ends and gap >= punct_gap_s):
                sentences.append(_sentence(current, speaker, role))
                current = []
        current.append(word)
    if current:
        sentences.append(_sentence(current, speaker, role))
    return [s for s in sentences if s.text]


def _sentence(words: list[Word], speaker: str, role: Role) -> Segment:
    text = "".join(w.text for w in words).strip()
    return Segment(speaker, role, words[0].start_s, words[-1].end_s, text, tuple(words))


def merge_timeline(channels: Iterable[Sequence[Segment]]) -> tuple[Segment, ...]:
    """One timeline ordered by start time (ties: earlier end first)."""
    return tuple(sorted((s for segs in channels for s in segs), key=lambda s: (s.start_s, s.end_s)))


def build_transcript(language: str, channel_segments: Sequence[Sequence[Segment]],
                     speech: Sequence[SpeechRegion] = (), dropped_segments: int = 0,
                     roles_known: bool = False) -> Transcript:
    regions = tuple(sorted(speech, key=lambda r: (r.start_s, r.end_s)))
    return Transcript(language, merge_timeline(channel_segments), regions, dropped_segments, roles_known)
