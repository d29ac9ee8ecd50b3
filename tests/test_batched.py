"""Batched decoding's plumbing (the decoding itself needs Whisper: tests/test_end_to_end.py)."""

import numpy as np

from qc.analysis import batched
from qc.analysis.asr import AsrOptions, RawSegment
from qc.analysis.batched import pack_chunks, transcribe_batched


class Transcriber:
    options = AsrOptions(initial_prompt=(("*", "星河通信，工号"),))
    model = object()

    def batch_size(self):
        return 8

    def simplify(self, text):
        return text


def test_the_prompted_and_the_unprompted_channels_are_decoded_apart_and_come_back_in_order(monkeypatch):
    passes = []

    def fake_chunks(model, channels, language, batch_size, beam_size, prompt=None, hotwords=None):
        passes.append((len(channels), prompt))
        return [[RawSegment(0.0, 1.0, f"{prompt}:{len(samples)}", ())] for samples, _ in channels]

    monkeypatch.setattr(batched, "transcribe_chunks", fake_chunks)
    agent, customer = np.zeros(16000, np.float32), np.zeros(8000, np.float32)
    out = transcribe_batched(Transcriber(), [(agent, [(0, 1)]), (customer, [(0, 0.5)])], "zh", [True, False])
    assert passes == [(1, "星河通信，工号"), (1, None)]
    assert [t.segments[0].text for t in out] == ["星河通信，工号:16000", "None:8000"]
    passes.clear()
    transcribe_batched(Transcriber(), [(agent, [(0, 1)]), (customer, [(0, 0.5)])], "zh")
    assert passes == [(2, "星河通信，工号")]  # by default every channel is prompted, in one pass


def test_speech_is_packed_into_chunks_under_thirty_seconds():
    chunks = pack_chunks([(0.0, 10.0), (11.0, 25.0), (26.0, 40.0), (41.0, 42.0)])
    assert all(b - a <= 30.0 for a, b in chunks) and chunks[0][0] == 0.0 and chunks[-1][1] == 42.0
