"""Voice activity per channel with Silero VAD (the ONNX copy inside faster-whisper).

Rules about silence and overtalk need where people spoke, independent of how Whisper
grouped its text, so speech regions are measured separately from transcription.
"""

from __future__ import annotations

import numpy as np

from ..media import SAMPLE_RATE_HZ

BLOCK_S = 300


def speech_regions(samples: np.ndarray, min_silence_ms: int = 300, speech_pad_ms: int = 100,
                   sample_rate_hz: int = SAMPLE_RATE_HZ) -> list[tuple[float, float]]:
    """Return (start_s, end_s) of each stretch of speech in one mono channel.

    The 100 ms pad makes gaps match the reference silences of ../shared/data within about
    0.1-0.5 s (Silero trims soft word endings); 30 ms overstated them by up to 0.7 s.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=speech_pad_ms)
    block = BLOCK_S * sample_rate_hz
    regions: list[tuple[float, float]] = []
    for offset in range(0, max(len(samples), 1), block):
        # Silero runs on every window of what it is given at once: memory grows with the length
        # (+500 MB for 30 min), so long channels go in blocks; a stretch of speech across a
        # block's end is joined again below.
        part = np.asarray(samples[offset:offset + block], dtype=np.float32)
        for stamp in get_speech_timestamps(part, options, sampling_rate=sample_rate_hz):
            start, end = (offset + stamp["start"]) / sample_rate_hz, (offset + stamp["end"]) / sample_rate_hz
            if regions and start - regions[-1][1] < 1e-3:
                regions[-1] = (regions[-1][0], round(end, 3))
            else:
                regions.append((round(start, 3), round(end, 3)))
    return regions
