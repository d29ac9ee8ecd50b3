"""Whisper's features a block at a time (qc.analysis.features): the library's values to the bit,
with a fraction of its transient memory."""

import tracemalloc

import numpy as np
import pytest

from qc.analysis.features import BlockedFeatureExtractor

FeatureExtractor = pytest.importorskip("faster_whisper.feature_extractor").FeatureExtractor


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 0.7 * t) > 0)  # bursts and pauses
    return (tone + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


@pytest.mark.parametrize("seconds,block_frames", [(0.02, 3000), (1.0, 7), (30.0, 3000), (30.01, 3000),
                                                  (95.3, 3000), (61.0, 1000)])
def test_blocked_features_equal_the_librarys(seconds, block_frames):
    audio = speech_like(seconds, seed=int(seconds * 100))
    library = FeatureExtractor()
    expected = library(audio)
    got = BlockedFeatureExtractor(FeatureExtractor(), block_frames=block_frames)(audio)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)  # to the bit: transcripts must not move


def test_the_wrapper_keeps_the_librarys_interface_and_window_setting():
    inner = FeatureExtractor()
    blocked = BlockedFeatureExtractor(inner)
    assert blocked.hop_length == 160 and blocked.mel_filters is inner.mel_filters
    blocked(speech_like(2.0), chunk_length=20)
    assert inner.nb_max_frames == 2000 and blocked.nb_max_frames == 2000


def test_the_transient_stays_one_blocks_not_the_calls():
    audio = speech_like(300.0)
    peaks = {}
    for name, extractor in (("library", FeatureExtractor()), ("blocked", BlockedFeatureExtractor(FeatureExtractor()))):
        tracemalloc.start()
        extractor(audio)
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks["library"] > 300e6  # about 64 bytes a sample: 5 minutes take over 300 MB at once
    assert peaks["blocked"] < 16 * len(audio) + 30e6  # audio copies, power spectrum, features, one 30 s block
    assert peaks["blocked"] < peaks["library"] / 3
