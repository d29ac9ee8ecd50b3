"""Voice activity per channel with Silero VAD (the ONNX copy inside faster-whisper).

Rules about silence and overtalk need where people spoke, independent of how Whisper
grouped its text, so speech regions are measured separately from transcription.
"""

from __future__ import annotations

import numpy as np

from ..media import SAMPLE_RATE_HZ


def speech_regions(samples: np.ndarray, min_silence_ms: int = 300, speech_pad_ms: int = 100,
                   sample_rate_hz: int = SAMPLE_RATE_HZ) -> list[tuple[float, float]]:
    """Return (start_s, end_s) of each stretch of speech in one mono channel.

    The 100 ms pad makes gaps match the reference silences of ../shared/data within about
    0.1-0.5 s (Silero trims soft word endings); 30 ms overstated them by up to 0.7 s.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=speech_pad_ms)
    stamps = get_speech_timestamps(samples, options, sampling_rate=sample_rate_hz)
    return [(round(s["start"] / sample_rate_hz, 3), round(s["end"] / sample_rate_hz, 3)) for s in stamps]
