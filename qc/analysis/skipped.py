"""Speech Whisper skipped, heard again stretch by stretch (after the guard, see :func:`fill_skipped`)."""

from __future__ import annotations

import logging
from typing import Optional, Sequence

import numpy as np

from ..media import SAMPLE_RATE_HZ
from .asr import ChannelTranscript, Transcriber, shifted

log = logging.getLogger(__name__)

MIN_SKIPPED_S = 1.0  # voiced stretches shorter than this are left alone (a cough, a breath)
MAX_HEARD = 0.2  # a stretch whose words cover less than this share of it was skipped
SKIP_PAD_S = 0.3


def fill_skipped(transcriber: Transcriber, samples: np.ndarray, language: Optional[str],
                 speech: Sequence[tuple[float, float]], result: ChannelTranscript,
                 prompted: bool = True, agent: tuple[str, ...] = ()) -> ChannelTranscript:
    """``result`` with the speech Whisper skipped transcribed again, stretch by stretch.

    Whisper base sometimes decodes past a stretch of speech without a word (a 16 s disclosure,
    a call's last goodbye) and hears it when given that stretch alone. Voiced stretches of
    ``MIN_SKIPPED_S`` or more whose words cover under ``MAX_HEARD`` of them are joined when
    less than a second apart and transcribed alone, with the channel's prompt setting. Give it
    the segments the guard (guard.py) kept: a stretch whose only words were dropped as an
    invention ("Thanks for watching" for "Thanks for calling") is heard again too; the guard
    then judges the new segments like any other."""
    words = [w for seg in result.segments for w in seg.words]
    skipped: list[tuple[float, float]] = []
    for start, end in speech:
        heard = sum(max(0.0, min(end, w.end_s) - max(start, w.start_s)) for w in words)
        if end - start >= MIN_SKIPPED_S and heard < MAX_HEARD * (end - start):
            if skipped and start - skipped[-1][1] < 1.0:
                skipped[-1] = (skipped[-1][0], end)
            else:
                skipped.append((start, end))
    if not skipped:
        return result
    segments = list(result.segments)
    for start, end in skipped:
        offset = max(0.0, start - SKIP_PAD_S)
        clip = samples[int(offset * SAMPLE_RATE_HZ):int((end + SKIP_PAD_S) * SAMPLE_RATE_HZ)]
        part = transcriber.transcribe(np.asarray(clip, dtype=np.float32), language or result.language,
                                      prompted=prompted, agent=agent)
        segments += [shifted(seg, offset) for seg in part.segments]
    log.debug("transcribed again %d stretch(es) of speech Whisper had skipped", len(skipped))
    return ChannelTranscript(result.language, tuple(sorted(segments, key=lambda seg: (seg.start_s, seg.end_s))))
