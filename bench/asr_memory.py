"""Peak memory of one channel's transcription, with qc's blocked features or faster-whisper's own.

    .venv/bin/python bench/asr_memory.py --minutes 8 --extractor library
    .venv/bin/python bench/asr_memory.py --minutes 8 --extractor blocked

Run each in its own process (peak RSS only grows). The channel is the agent side of
examples/calls/en-good.wav, decoded to 16 kHz as ``qc run`` decodes it and looped to ``--minutes``; Whisper base on the
CPU as ``qc run`` loads it (qc.analysis.asr.WhisperTranscriber, whose model has qc's
BlockedFeatureExtractor: qc/analysis/features.py). Prints the peak RSS, the RSS after loading the
model, the wall time and an MD5 of the text (the two extractors must give the same text).
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def channel(minutes: float) -> np.ndarray:
    from qc.analysis.audio import decode_audio  # as qc run decodes it: ffmpeg, 16 kHz float32
    from qc.media import SAMPLE_RATE_HZ

    left = decode_audio(ROOT / "examples" / "calls" / "en-good.wav").channels[0]
    length = int(minutes * 60 * SAMPLE_RATE_HZ)
    return np.tile(left, int(np.ceil(length / len(left))))[:length]


def main(argv=None) -> int:
    from qc.analysis.asr import AsrOptions, WhisperTranscriber
    from qc.models import default_models_dir, resolve

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--extractor", choices=["blocked", "library"], default="blocked")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    samples = channel(args.minutes)
    transcriber = WhisperTranscriber(AsrOptions(), resolve("whisper-base", default_models_dir()),
                                     cpu_threads=args.threads)
    model = transcriber.load()
    if args.extractor == "library":
        model.feature_extractor = model.feature_extractor._inner
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    out = transcriber.transcribe(samples, "en")
    text = " ".join(segment.text for segment in out.segments)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.extractor}: {args.minutes:g} min, peak RSS {peak:.0f} MB (after loading {loaded:.0f} MB),"
          f" {time.perf_counter() - started:.0f} s, {len(out.segments)} segments,"
          f" text md5 {hashlib.md5(text.encode()).hexdigest()[:10]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
