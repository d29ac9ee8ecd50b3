"""Speech Whisper skipped (voice activity heard it, no word of the channel covers it) is
transcribed again on its own: the customer's disclosure, the agent's last goodbye."""

from pathlib import Path

import numpy as np

from qc.analysis.asr import ChannelTranscript, RawSegment
from qc.analysis.skipped import fill_skipped
from qc.media import SAMPLE_RATE_HZ
from qc.schema import Word


def segment(start, end, text):
    return RawSegment(start, end, text, (Word(start, end, text, 0.9),), -0.3, 0.05, 1.2)


class SkipsWhenGivenTheWholeChannel:
    """Hears 'goodbye' at 10-12 s only when given that stretch alone (as Whisper base, sometimes)."""

    def __init__(self):
        self.calls = []

    def transcribe(self, samples, language, prompted=True, **options):
        self.calls.append((len(samples) / SAMPLE_RATE_HZ, prompted))
        if len(samples) / SAMPLE_RATE_HZ > 5:
            return ChannelTranscript("en", (segment(0.5, 3.0, "hello"),))
        return ChannelTranscript("en", (segment(0.2, 2.0, "goodbye"),))


def test_a_stretch_of_speech_with_no_words_is_transcribed_again_alone():
    transcriber = SkipsWhenGivenTheWholeChannel()
    samples = np.zeros(14 * SAMPLE_RATE_HZ, dtype=np.float32)
    first = transcriber.transcribe(samples, "en")
    filled = fill_skipped(transcriber, samples, "en", [(0.5, 3.0), (10.0, 12.0)], first, prompted=False)
    assert [s.text for s in filled.segments] == ["hello", "goodbye"]
    goodbye = filled.segments[1]
    assert 9.7 <= goodbye.start_s <= 10.2 and goodbye.words[0].start_s == goodbye.start_s
    assert transcriber.calls[-1][1] is False  # as the channel was: no prompt on the customer's side


def test_speech_with_words_and_short_noises_are_left_alone():
    transcriber = SkipsWhenGivenTheWholeChannel()
    samples = np.zeros(14 * SAMPLE_RATE_HZ, dtype=np.float32)
    first = transcriber.transcribe(samples, "en")
    filled = fill_skipped(transcriber, samples, "en", [(0.5, 3.0), (10.0, 10.6)], first)
    assert filled == first and len(transcriber.calls) == 1


class HeardAsAStockPhrase:
    """The whole channel: Whisper's 'thanks for watching' (dropped by the guard as a stock
    hallucination); the stretch alone: what was said."""

    def transcribe(self, samples, language, prompted=True, **options):
        text = "Thanks for watching." if len(samples) / SAMPLE_RATE_HZ > 5 else "Thanks for calling, goodbye."
        return ChannelTranscript("en", (segment(0.5 if len(samples) / SAMPLE_RATE_HZ > 5 else 0.3, 2.3, text),))


def test_speech_whose_only_words_the_guard_dropped_is_heard_again(tmp_path, monkeypatch):
    from helpers import tone, write_wav

    from qc.rules.providers import CheckModels
    from qc.rules.ruleset import load_ruleset
    from qc.run.pipeline import RunSettings, run_batch
    from qc.run.store import Store
    from qc.schema import CallMeta
    from qc.sources.audio import AudioSettings, AudioSource

    monkeypatch.setattr("qc.sources.audio.speech_regions", lambda samples: [(0.5, 2.5)])
    path = write_wav(tmp_path / "call.wav", [tone(8.0, amp=0.3), tone(8.0, 300, amp=0.1)])
    store = Store(tmp_path / "qc.sqlite")
    rules = load_ruleset(Path(__file__).resolve().parent.parent / "rules" / "en-default.yaml")
    source = AudioSource(AudioSettings(), HeardAsAStockPhrase)
    run_batch([CallMeta("c", str(path), language="en")], RunSettings(language="en"), store, {"audio": source},
              lambda meta: rules, CheckModels())
    transcript = store.latest_calls()[0]["analysis"]["transcript"]
    assert [s["text"] for s in transcript["segments"]] == ["Thanks for calling, goodbye."] * 2  # both channels
    assert transcript["dropped_segments"] == 2
