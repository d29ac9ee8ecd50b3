"""Drop what Whisper invents (pure): text in silence, loops, and its stock phrases.

Whisper writes text into long silences and holds (字幕 credits, "thanks for watching")
and loops on a phrase when it loses track; mono calls with music on hold make it worse.
A segment is dropped when its text compresses too well (a loop), when the model itself
thought there was no speech and was unsure of the words, when voice activity detection
heard almost nothing during it, or when it is one of the known stock hallucinations.
A loop after real speech (再见 thirty times after a closing) is cut back to two of its
units and the words before it kept: no one says the same thing four times running.
"""

from __future__ import annotations

import re
from itertools import accumulate
from dataclasses import dataclass, replace
from typing import Sequence

from .asr import RawSegment
from ..schema import Word
from ..text import normalize

STOCK_PHRASES = ("字幕由", "字幕提供", "请不吝点赞", "订阅转发", "打赏支持", "明镜与点点", "感谢观看", "谢谢观看",
                 "thanks for watching", "thank you for watching", "subtitles by", "amara org", "please subscribe")
_LOOP = re.compile(r"(.{1,12}?)\1{3,}")
_NUMERALS = "零〇一二两三四五六七八九十百千万幺"


@dataclass(frozen=True)
class GuardOptions:
    max_compression_ratio: float = 2.4  # Whisper's own threshold for a degenerate decode
    max_no_speech_prob: float = 0.6
    min_avg_logprob: float = -1.0
    min_speech_fraction: float = 0.15  # share of the segment during which VAD heard speech
    max_loop_fraction: float = 0.6  # share of the text taken by one repeated unit
    min_said_beside_loop: int = 8  # characters beside a loop for speech with a loop (cut), not a loop (dropped)


def keep_segment(seg: RawSegment, speech: Sequence[tuple[float, float]], options: GuardOptions) -> str | None:
    """None to keep the segment, else the reason to drop it."""
    text = normalize(seg.text).replace(" ", "")
    if not text:
        return "empty"
    if seg.compression_ratio > options.max_compression_ratio:
        return f"compression ratio {seg.compression_ratio:.1f}"
    if seg.no_speech_prob > options.max_no_speech_prob and seg.avg_logprob < options.min_avg_logprob:
        return f"no-speech probability {seg.no_speech_prob:.2f} with log-probability {seg.avg_logprob:.2f}"
    if any(normalize(p).replace(" ", "") in text for p in STOCK_PHRASES):
        return "stock hallucination phrase"
    loop = _LOOP.search(text)
    if loop and len(loop.group(0)) >= options.max_loop_fraction * len(text) and len(text) >= 8 \
            and len(text) - len(loop.group(0)) < options.min_said_beside_loop:  # all invented
        return f"repeats {loop.group(1)!r}"
    duration = seg.end_s - seg.start_s
    if speech and duration > 0:
        heard = sum(max(0.0, min(seg.end_s, b) - max(seg.start_s, a)) for a, b in speech)
        if heard / duration < options.min_speech_fraction:
            return f"voice activity during only {100 * heard / duration:.0f} % of it"
    return None


def filter_segments(segments: Sequence[RawSegment], speech: Sequence[tuple[float, float]],
                    options: GuardOptions = GuardOptions()) -> tuple[list[RawSegment], list[tuple[RawSegment, str]]]:
    """Split recogniser segments into kept ones and (dropped, reason) pairs."""
    kept, dropped = [], []
    for seg in segments:
        reason = keep_segment(seg, speech, options)
        if reason is None:
            kept.append(cut_loops(seg))
        else:
            dropped.append((seg, reason))
    return kept, dropped


def cut_loops(seg: RawSegment) -> RawSegment:
    """``seg`` without the words past the second unit of a run of four or more (digits excepted:
    尾号八八八八 is a number), nor the punctuation between and after those words."""
    keys = [normalize(w.text).replace(" ", "").lower() for w in seg.words]
    at = list(accumulate((len(k) for k in keys[:-1]), initial=0))  # where each word starts in the joined keys
    cut = set()
    for loop in _LOOP.finditer("".join(keys)):
        if all(c.isdigit() or c in _NUMERALS for c in loop.group(1)):
            continue
        first, end = loop.start() + 2 * len(loop.group(1)), loop.end()  # from the third unit on
        cut |= {i for i, key in enumerate(keys)
                if (first <= at[i] and at[i] + len(key) <= end if key else first < at[i] <= end)}
    if not cut:
        return seg
    words = tuple(w for i, w in enumerate(seg.words) if i not in cut)
    return replace(seg, words=words, text="".join(w.text for w in words).strip(),
                   end_s=words[-1].end_s if words else seg.end_s)


def in_order(words: Sequence[Word]) -> list[Word]:
    """A segment's words with times that never go back. Whisper's word alignment sometimes puts
    a segment's last words (often invented ones) seconds earlier in its window: 不好意思 at
    22.1 s at the end of a segment from 48.8 to 55.4 s (5 sentences in the 720 stored recordings of
    corpus batches 24-37), which made a sentence end before it starts and an anchor read it as the earlier
    moment. Such a word keeps its place in the text and takes the end of the word before it."""
    fixed: list[Word] = []
    for word in words:
        if fixed and word.start_s < fixed[-1].start_s:
            at = fixed[-1].end_s
            word = replace(word, start_s=at, end_s=max(at, word.end_s))
        fixed.append(word)
    return fixed
