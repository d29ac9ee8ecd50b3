"""Voice activity per channel with Silero VAD (the ONNX copy inside faster-whisper).

Rules about silence and overtalk need where people spoke, independent of how Whisper
grouped its text, so speech regions are measured separately from transcription.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

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

    share_silero()
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


class RecentProbabilities:
    """Silero's speech probabilities of the last few inputs, by their bytes. qc's regions (above) and
    faster-whisper's own voice activity filter inside ``transcribe`` run the network on the same
    channel with different options; the options apply to the probabilities afterwards, so the
    second run returns the first's result (each run is about 3 % of a stereo call's stage time)."""

    def __init__(self, model, size: int = 4):
        self.model, self.size = model, size
        self.recent: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()  # threads of one executor share it; each computes outside the lock

    def __call__(self, audio: np.ndarray, *args, **kwargs) -> np.ndarray:
        digest = hashlib.blake2b(np.ascontiguousarray(audio).view(np.uint8), digest_size=16)
        digest.update(repr((audio.dtype.str, audio.shape, args, sorted(kwargs.items()))).encode())
        key = digest.digest()
        with self.lock:
            if key in self.recent:
                self.recent.move_to_end(key)
                return self.recent[key]
        probabilities = self.model(audio, *args, **kwargs)
        with self.lock:
            self.recent[key] = probabilities
            while len(self.recent) > self.size:
                self.recent.popitem(last=False)
        return probabilities


def share_silero() -> RecentProbabilities:
    """Make faster-whisper's Silero (one per process) remember its last inputs; idempotent."""
    import faster_whisper.vad as library

    model = library.get_vad_model()
    if not isinstance(model, RecentProbabilities):
        model = RecentProbabilities(model)
        library.get_vad_model = lambda: model
    return model
