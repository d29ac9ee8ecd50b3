"""Batched decoding: the speech of every channel of a call, in chunks, through faster-whisper's
batched pipeline (``--batch-size`` above 1; the default on a GPU).

Each channel's voice-activity regions are packed into chunks of at most 30 s (Whisper's
window), the chunks of all channels are laid end to end and handed to
``BatchedInferencePipeline`` as clip timestamps, so one encoder and one decoder call serve
up to ``batch_size`` chunks. Chunks are decoded without timestamp tokens (measured better:
bench/README.md, batching); word timestamps give the times, which are mapped back to each
channel's own clock. Unlike the sequential decoder there is no temperature fallback.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

import numpy as np

from ..media import SAMPLE_RATE_HZ
from ..schema import Word
from .asr import ChannelTranscript, RawSegment, WhisperTranscriber

CHUNK_S = 29.5  # below Whisper's 30 s window, so no chunk is cut
FRAMES_PER_S = 100  # Whisper's feature frames: a segment's ``seek`` is its chunk's offset in frames


def pack_chunks(regions: Sequence[tuple[float, float]], max_s: float = CHUNK_S) -> list[tuple[float, float]]:
    """Consecutive speech regions merged into spans of at most ``max_s``; a longer region is cut."""
    chunks: list[list[float]] = []
    for start, end in regions:
        if chunks and end - chunks[-1][0] <= max_s:
            chunks[-1][1] = end
            continue
        while end - start > max_s:
            chunks.append([start, start + max_s])
            start += max_s
        chunks.append([start, end])
    return [(round(a, 3), round(b, 3)) for a, b in chunks]


def transcribe_chunks(model, channels: Sequence[tuple[np.ndarray, Sequence[tuple[float, float]]]],
                      language: Optional[str], batch_size: int, beam_size: int, prompt: Optional[str] = None,
                      hotwords: Optional[str] = None) -> list[list[RawSegment]]:
    """``channels``: (samples, speech regions) per channel; returns each channel's segments, on its clock."""
    from faster_whisper import BatchedInferencePipeline

    pieces, clips, owners = [], [], []  # owners: (channel index, the chunk's start on the channel's clock)
    position = 0.0
    for index, (samples, regions) in enumerate(channels):
        for start_s, end_s in pack_chunks(regions):
            piece = np.asarray(samples[int(start_s * SAMPLE_RATE_HZ):int(end_s * SAMPLE_RATE_HZ)], dtype=np.float32)
            if len(piece) < SAMPLE_RATE_HZ // 10:
                continue
            length = len(piece) / SAMPLE_RATE_HZ
            pieces.append(piece)
            clips.append({"start": position, "end": position + length})
            owners.append((index, start_s))
            position += length
    results: list[list[RawSegment]] = [[] for _ in channels]
    if not pieces:
        return results
    segments, _ = BatchedInferencePipeline(model).transcribe(
        np.concatenate(pieces), language=language, clip_timestamps=clips, batch_size=batch_size,
        beam_size=beam_size, initial_prompt=prompt, hotwords=hotwords, word_timestamps=True,
        without_timestamps=True, vad_filter=False, log_progress=False)
    starts = np.array([clip["start"] * FRAMES_PER_S for clip in clips])
    for seg in segments:
        k = int(np.argmin(np.abs(starts - seg.seek)))
        channel, channel_start = owners[k]
        shift = channel_start - clips[k]["start"]

        def moved(t: float) -> float:
            return round(max(channel_start, t + shift), 3)

        words = tuple(Word(moved(w.start), moved(w.end), w.word, round(w.probability, 3)) for w in seg.words or ())
        results[channel].append(RawSegment(moved(seg.start), moved(seg.end), seg.text.strip(), words,
                                           seg.avg_logprob, seg.no_speech_prob, seg.compression_ratio))
    return results


def transcribe_batched(transcriber: WhisperTranscriber, channels, language: str,
                       prompted: Optional[Sequence[bool]] = None,
                       agent: tuple[str, ...] = ()) -> list[ChannelTranscript]:
    """Every channel of a call in ``language``, batched (``transcriber.batch_size()`` chunks at a time).
    ``prompted``: per channel, whether it gets the initial prompt and hotwords (default all); the
    prompted and the unprompted channels are two batched passes; ``agent``: the call's (agent
    name, agent id) for the prompt."""
    prompted = list(prompted) if prompted is not None else [True] * len(channels)
    prompt, hotwords = transcriber.options.prompt_for(language, agent)
    results: list[list[RawSegment]] = [[] for _ in channels]
    for hinted in (True, False):
        indices = [i for i, flag in enumerate(prompted) if flag == hinted]
        if not indices:
            continue
        decoded = transcribe_chunks(transcriber.model, [channels[i] for i in indices], language,
                                    transcriber.batch_size(), transcriber.options.beam_size,
                                    prompt if hinted else None, hotwords if hinted else None)
        for i, segments in zip(indices, decoded):
            results[i] = segments
    convert = transcriber.simplify if language == "zh" else (lambda text: text)
    return [ChannelTranscript(language, tuple(
        replace(seg, text=convert(seg.text), words=tuple(replace(w, text=convert(w.text)) for w in seg.words))
        for seg in segments)) for segments in results]
