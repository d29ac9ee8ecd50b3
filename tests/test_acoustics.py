"""qc.analysis.acoustics on synthetic signals with known level and pitch, and on a real call for speed."""

import time

import numpy as np
import pytest

from qc.analysis.acoustics import measure
from qc.metrics import SILENCE_DB, baseline
from qc.schema import Acoustics, Segment

SR = 16000


def tone(freq_hz, seconds, amplitude=0.1, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def seg(start, end, text="x"):
    return Segment("left", "agent", start, end, text)


def one(samples, start, end, sr=SR):
    return measure(samples, sr, [seg(start, end)])[0].acoustics


def test_a_200_hz_tone():
    found = one(tone(200, 2.0), 0.0, 2.0)
    assert found.loudness_db == pytest.approx(20 * np.log10(0.1 / np.sqrt(2)), abs=0.05)  # -23.01 dBFS
    assert found.pitch_hz == pytest.approx(200.0, abs=0.5)
    assert found.pitch_range_st == pytest.approx(0.0, abs=0.05)


def test_a_tone_twice_as_strong_is_6_db_louder_with_the_same_pitch():
    quiet, loud = measure(np.concatenate([tone(200, 2.0), tone(200, 2.0, amplitude=0.2)]), SR,
                          [seg(0.0, 2.0), seg(2.0, 4.0)])
    assert loud.acoustics.loudness_db - quiet.acoustics.loudness_db == pytest.approx(6.02, abs=0.05)
    assert loud.acoustics.pitch_hz == pytest.approx(quiet.acoustics.pitch_hz, abs=0.1)


def test_silence_has_no_level_and_no_pitch():
    assert one(np.zeros(2 * SR, np.float32), 0.0, 2.0) == Acoustics(SILENCE_DB, 0.0, 0.0)


def test_pauses_inside_a_sentence_do_not_lower_its_level():
    samples = np.concatenate([tone(200, 1.0), np.zeros(SR, np.float32), tone(200, 1.0)])
    assert one(samples, 0.0, 3.0).loudness_db == pytest.approx(-23.01, abs=0.2)


def test_white_noise_is_heard_but_not_voiced():
    noise = np.random.default_rng(0).normal(0, 0.05, 2 * SR).astype(np.float32)
    found = one(noise, 0.0, 2.0)
    assert found.loudness_db == pytest.approx(20 * np.log10(0.05), abs=0.2)
    assert found.pitch_hz == 0.0


@pytest.mark.parametrize("freq_hz", [70, 110, 220, 380])
def test_pitch_across_the_speech_range(freq_hz):
    assert one(tone(freq_hz, 1.0), 0.0, 1.0).pitch_hz == pytest.approx(freq_hz, rel=0.005)


def test_a_glide_gives_its_median_and_its_spread_in_semitones():
    f = np.linspace(150, 300, 2 * SR)
    glide = (0.1 * np.sin(2 * np.pi * np.cumsum(f) / SR)).astype(np.float32)
    found = one(glide, 0.0, 2.0)
    assert found.pitch_hz == pytest.approx(225, abs=3)
    assert found.pitch_range_st == pytest.approx(12 * np.log2(285 / 165), abs=0.3)  # 10th to 90th percentile


def test_telephone_band_voice_without_its_fundamental_is_not_an_octave_too_high():
    t = np.arange(SR) / SR
    harmonics = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(2, 8))  # 300-1050 Hz, no 150 Hz
    assert one((0.05 * harmonics).astype(np.float32), 0.0, 1.0).pitch_hz == pytest.approx(150, abs=2)


def test_8_khz_input():
    assert one(tone(200, 1.0, sr=8000), 0.0, 1.0, sr=8000).pitch_hz == pytest.approx(200, abs=0.5)


def test_each_segment_is_measured_on_its_own_span_and_keeps_its_text():
    samples = np.concatenate([tone(150, 1.0), tone(300, 1.0, amplitude=0.2)])
    given = (seg(0.0, 1.0, "low"), seg(1.0, 2.0, "high"), seg(5.0, 6.0, "after the end"))
    low, high, after = measure(samples, SR, given)
    assert (low.text, low.acoustics.pitch_hz) == ("low", pytest.approx(150, abs=0.5))
    assert (high.text, high.acoustics.pitch_hz) == ("high", pytest.approx(300, abs=0.5))
    assert after.acoustics == Acoustics(SILENCE_DB, 0.0, 0.0)
    assert given[0].acoustics is None  # inputs untouched
    assert measure(samples, SR, []) == ()


def test_baseline_is_the_median_of_the_heard_segments():
    def with_(loudness, pitch):
        return Segment("left", "agent", 0, 1, "x", acoustics=Acoustics(loudness, pitch, 2.0))

    found = baseline([with_(-20, 200), with_(-24, 0), with_(-30, 220), with_(SILENCE_DB, 0), seg(0, 1)])
    assert found == Acoustics(-24.0, 210.0, 2.0)
    assert baseline([seg(0, 1)]) is None


def test_fast_enough_on_a_minute_of_speech():
    samples = np.concatenate([tone(150 + 10 * i, 1.0) for i in range(60)])
    sentences = [seg(s, s + 3.0) for s in range(0, 60, 3)]
    started = time.process_time()  # CPU time: other processes on the machine do not count
    measure(samples, SR, sentences)
    assert time.process_time() - started < 0.02 * 60  # under 2 % of real time (about 0.3 % here)


def test_a_real_telephone_call_gives_plausible_voices(eval_data):
    from qc.analysis.audio import decode_audio

    audio = decode_audio(eval_data / "synthetic-tts-dialogues" / "dlg_zh_compliant.stereo8k.wav")
    agent = measure(audio.channels[0], audio.sample_rate_hz, [seg(0.5, 10.9), seg(73.7, 77.5)])
    customer = measure(audio.channels[1], audio.sample_rate_hz, [Segment("right", "customer", 71.6, 73.1, "x")])
    for found in (*agent, *customer):
        assert -35 < found.acoustics.loudness_db < -15
        assert 150 < found.acoustics.pitch_hz < 350  # two female synthetic voices
        assert 3 < found.acoustics.pitch_range_st < 16
