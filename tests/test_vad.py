"""Voice activity: Silero's network runs once per channel, for qc's regions and Whisper's own filter."""

from __future__ import annotations

import os

import numpy as np
import pytest

from qc.analysis.audio import decode_audio
from qc.analysis.vad import RecentProbabilities, speech_regions


@pytest.fixture()
def counted(monkeypatch):
    """faster-whisper's Silero, fresh, with its network calls counted."""
    import faster_whisper.vad as library

    network = library.SileroVADModel(os.path.join(library.get_assets_path(), "silero_vad_v6.onnx"))
    calls = []

    def run(audio, *args, **kwargs):
        calls.append(len(audio))
        return network(audio, *args, **kwargs)

    monkeypatch.setattr(library, "get_vad_model", lambda: run)
    return calls, network


def channel(eval_data):
    return decode_audio(eval_data / "synthetic-tts-dialogues" / "dlg_zh_compliant.stereo8k.wav").channels[0]


def test_regions_then_whispers_filter_run_the_network_once_with_the_same_answer(eval_data, counted):
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    calls, network = counted
    samples = np.asarray(channel(eval_data), dtype=np.float32)
    whisper_options = VadOptions(min_silence_duration_ms=1000)
    unshared = get_speech_timestamps(samples, whisper_options)  # before qc shares it: the library alone
    assert len(calls) == 1
    regions = speech_regions(samples)
    shared = get_speech_timestamps(samples, whisper_options)  # as transcribe() asks, after qc's regions
    assert len(calls) == 2 and shared == unshared
    assert regions and regions != [(s["start"] / 16000, s["end"] / 16000) for s in shared]  # other options


def test_other_audio_gets_its_own_probabilities(eval_data, counted):
    calls, _ = counted
    samples = np.asarray(channel(eval_data), dtype=np.float32)
    quiet = speech_regions(samples * 0.01)
    loud = speech_regions(samples)
    assert len(calls) == 2 and loud != quiet
    speech_regions(samples)
    assert len(calls) == 2


def test_only_the_last_few_inputs_are_kept():
    seen = []
    recent = RecentProbabilities(lambda audio: seen.append(float(audio[0])) or audio * 2, size=2)
    for value in (1.0, 2.0, 3.0, 1.0, 3.0):
        recent(np.full(512, value, dtype=np.float32))
    assert seen == [1.0, 2.0, 3.0, 1.0] and len(recent.recent) == 2
