"""Peak memory of one channel's transcription, with qc's blocked features or faster-whisper's own.

    .venv/bin/python bench/asr_memory.py --minutes 8 --extractor library
    .venv/bin/python bench/asr_memory.py --minutes 8 --extractor blocked

Run each in its own process (peak RSS only grows). The channel is the agent side of
examples/calls/en-good.wav, resampled to 16 kHz and looped to ``--minutes``; Whisper base on the
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
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def channel(minutes: float) -> np.ndarray:
    with wave.open(str(ROOT / "examples" / "calls" / "en-good.wav")) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, w.getnchannels())
    left = frames[:, 0].astype(np.float32) / 32768
    left = np.interp(np.arange(len(left) * 2) / 2, np.arange(len(left)), left).astype(np.float32)  # 8 -> 16 kHz
    return np.tile(left, int(np.ceil(minutes * 60 * 16000 / len(left))))[:int(minutes * 60 * 16000)]


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
