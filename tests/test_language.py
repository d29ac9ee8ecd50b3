"""--language zh,en: each call's language detected among the listed ones only, once per call; a
single language given (zh, or the manifest's) is checked: a call plainly in another fails."""

import threading
from itertools import groupby

import numpy as np
import pytest
from click.testing import CliRunner

from qc.analysis.asr import ChannelTranscript, RawSegment
from qc.analysis.first_window import FirstWindow
from qc.analysis.language import (call_language, listed_languages, parse_language, pick_language, plainly_other,
                                 speech_sample)
from qc.errors import CallError
from qc.cli import cli
from qc.rules.ruleset import load_rulesets, pick_ruleset
from qc.schema import CallMeta, Word

from qc.rules.providers import CheckModels
from qc.run.pipeline import RunSettings, run_batch
from qc.run.store import Store
from qc.sources.audio import AudioSettings, AudioSource, analyse_recording

from helpers import tone, write_wav

RATE = 16000


def test_parse_language_accepts_one_auto_or_a_list():
    known = ("zh", "en")
    assert parse_language("zh", known) == "zh" and parse_language("auto", known) == "auto"
    assert parse_language(" ZH, en ", known) == "zh,en" and parse_language("en,zh,en", known) == "en,zh"
    assert parse_language("zh,", known) == "zh"
    for bad in ("fr", "zh,fr", "auto,zh", ""):
        with pytest.raises(ValueError, match="expected auto, one of zh, en"):
            parse_language(bad, known)
    assert listed_languages("zh,en") == ("zh", "en") and listed_languages("zh") == () == listed_languages("auto")


def test_the_best_listed_language_wins_not_the_best_overall():
    probabilities = {"ja": 0.6, "en": 0.25, "zh": 0.15}
    assert pick_language(probabilities, ("zh", "en")) == "en"
    assert pick_language({"ja": 0.9}, ("zh", "en")) == "zh"  # none of them scored: the first listed
    assert pick_language({"zh": 0.3, "en": 0.3}, ("en", "zh")) == "en"  # a tie: the first listed


def test_the_detection_sample_takes_both_channels_speech_in_time_order_up_to_30_s():
    agent, customer = np.full(40 * RATE, 1.0), np.full(40 * RATE, 2.0)
    sample = speech_sample([agent, customer], [[(0.0, 1.0), (3.0, 40.0)], [(1.5, 2.5)]])
    assert len(sample) == 30 * RATE
    assert sample[0] == 1.0 and sample[RATE] == 2.0 and sample[2 * RATE] == 1.0
    assert len(speech_sample([agent], [[]])) == 0


class Detecting:
    """A recogniser that hears English in the call and says so when forced to."""

    def __init__(self, probabilities=None):
        self.probabilities = probabilities or {"ja": 0.5, "en": 0.3, "zh": 0.2}
        self.detections, self.asked = [], []

    def language_probabilities(self, speech):
        self.detections.append(len(speech))
        return self.probabilities

    def transcribe(self, samples, language, **options):
        self.asked.append(language)
        if np.abs(samples).max() < 0.2:
            return ChannelTranscript(language, ())
        words = (Word(0.5, 1.0, "Thank you for calling,"), Word(1.0, 1.5, "goodbye"))
        return ChannelTranscript(language, (RawSegment(0.5, 1.5, "Thank you for calling, goodbye", words),))


def test_call_language_asks_once_for_a_list_or_a_language_given_and_never_for_auto():
    recogniser = Detecting()
    channels, regions = [np.ones(RATE), np.ones(RATE)], [[(0.0, 0.5)], [(0.5, 1.0)]]
    assert call_language(recogniser, channels, regions, "auto") == "auto" and recogniser.detections == []
    assert call_language(recogniser, channels, regions, "zh") == "zh" and recogniser.detections == [RATE]
    assert call_language(recogniser, channels, regions, "zh,en") == "en" and recogniser.detections == [RATE, RATE]
    assert call_language(recogniser, channels, [[], []], "zh,en") == "zh"  # no speech: nothing to detect


def test_a_language_given_is_refused_only_where_the_call_is_plainly_another_known_one():
    assert plainly_other({"en": 0.39, "cy": 0.3, "zh": 0.0004}, "zh") == "en"  # English read by Whisper base
    assert plainly_other({"zh": 0.99, "en": 0.002}, "en") == "zh"
    assert plainly_other({"zh": 0.02, "en": 0.9}, "zh") == ""  # some Mandarin: it may be right
    assert plainly_other({"yue": 0.9, "zh": 0.005, "en": 0.01}, "zh") == ""  # Cantonese: no known language instead
    assert plainly_other({"en": 0.95}, "en") == ""
    english = Detecting({"en": 0.9, "cy": 0.05, "zh": 0.0003})
    channels, regions = [np.ones(RATE)], [[(0.0, 1.0)]]
    with pytest.raises(CallError, match=r"sounds like en \(probability 0.9\), not zh as given: run it with "
                                        r"--language zh,en"):
        call_language(english, channels, regions, "zh")
    assert call_language(english, channels, regions, "en") == "en"
    assert call_language(english, channels, [[]], "zh") == "zh"  # nothing to hear: as given


class Plain:
    """A recogniser that cannot tell languages: a single one given is used as it is."""

    def transcribe(self, samples, language, **options):
        return ChannelTranscript(language, ())


def test_a_recogniser_without_language_detection_takes_the_language_as_given():
    assert call_language(Plain(), [np.ones(RATE)], [[(0.0, 1.0)]], "zh") == "zh"


def test_a_listed_call_is_transcribed_and_scored_in_its_detected_language(tmp_path, monkeypatch):
    monkeypatch.setattr("qc.sources.audio.speech_regions", lambda samples: [(0.4, 1.6)])
    path = write_wav(tmp_path / "a.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.1)])
    manifest_says_zh = write_wav(tmp_path / "b.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.12)])
    store, recogniser = Store(tmp_path / "qc.sqlite"), Detecting()
    rulesets = load_rulesets()
    calls = [CallMeta("a", str(path)), CallMeta("b", str(manifest_says_zh), language="zh")]
    summary = run_batch(calls, RunSettings(language="zh,en"), store,
                        {"audio": AudioSource(AudioSettings(), lambda: recogniser)},
                        lambda meta: pick_ruleset(rulesets, meta.language), CheckModels())
    assert summary.processed == 2
    # once per call, both channels' speech: a's among the list, b's to check the manifest's zh
    assert recogniser.detections == [int(2 * 1.2 * RATE)] * 2
    # call a's channels in English, then call b's in Chinese (a quiet channel is asked again: fill_skipped)
    assert [language for language, _ in groupby(recogniser.asked)] == ["en", "zh"]
    rows = {r["call_id"]: r for r in store.latest_calls()}
    assert rows["a"]["analysis"]["transcript"]["language"] == "en"
    closing = next(r for r in rows["a"]["score_detail"]["rules"] if r["rule_id"] == "closing")
    assert closing["title"] == "Polite closing" and closing["status"] == "pass"  # the English pack
    assert rows["b"]["analysis"]["transcript"]["language"] == "zh"


def test_the_cli_rejects_an_unknown_language_with_the_choices(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--language", "zh,fr", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "expected auto, one of zh, en, or a comma-separated list of them (e.g. zh,en)" in result.output


@pytest.mark.slow
def test_real_calls_of_a_mixed_night_get_their_own_language(eval_data, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(eval_data / "FireRedTTS2" / "zh_S1.flac"),
                                      str(eval_data / "joinly" / "OSR_us_000_0034_8k.wav"), "--language", "zh,en",
                                      "--no-diarization", "--audio", "none", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r["call_id"]: r for r in Store(out / "qc.sqlite").latest_calls()}
    languages = {call_id: row["analysis"]["transcript"]["language"] for call_id, row in rows.items()}
    assert languages == {"zh_S1": "zh", "OSR_us_000_0034_8k": "en"}
    titles = {call_id: next(r["title"] for r in row["score_detail"]["rules"] if r["rule_id"] == "closing")
              for call_id, row in rows.items()}
    assert titles == {"zh_S1": "礼貌结束语", "OSR_us_000_0034_8k": "Polite closing"}


def test_a_call_in_another_language_than_given_fails_with_the_reason_and_the_batch_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr("qc.sources.audio.speech_regions", lambda samples: [(0.4, 1.6)])
    english = write_wav(tmp_path / "english.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.1)])
    mandarin = write_wav(tmp_path / "mandarin.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.12)])
    by_call = {"english": {"en": 0.93, "zh": 0.0002}, "mandarin": {"zh": 0.98, "en": 0.001}}

    class ByCall(Detecting):
        def language_probabilities(self, speech):
            super().language_probabilities(speech)
            return by_call[self.current]

    store, recogniser = Store(tmp_path / "qc.sqlite"), ByCall()
    rulesets = load_rulesets()
    calls = [CallMeta("english", str(english)), CallMeta("mandarin", str(mandarin))]
    source = AudioSource(AudioSettings(), lambda: recogniser)
    analyse = source.analyse

    def tracked(meta, language):
        recogniser.current = meta.call_id
        return analyse(meta, language)

    monkeypatch.setattr(source, "analyse", tracked)
    summary = run_batch(calls, RunSettings(language="zh"), store, {"audio": source},
                        lambda meta: pick_ruleset(rulesets, meta.language), CheckModels())
    assert summary.processed == 1 and [call_id for call_id, _ in summary.failed] == ["english"]
    rows = {r["call_id"]: r for r in store.latest_calls()}
    assert rows["english"]["status"] == "failed" and rows["english"]["analysis"] is None
    # stored in the language of the zh pack
    assert "听起来是 en（概率 0.93），不是指定的 zh" in rows["english"]["error"]
    assert rows["mandarin"]["status"] == "ok" and recogniser.asked and "en" not in recogniser.asked


@pytest.mark.slow
def test_a_real_english_call_on_a_mandarin_night_fails_with_the_reason_instead_of_being_scored(eval_data, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(eval_data / "joinly" / "OSR_us_000_0034_8k.wav"),
                                      str(eval_data / "FireRedTTS2" / "zh_S1.flac"), "--no-diarization",
                                      "--audio", "none", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "qc: failed: OSR_us_000_0034_8k: the call sounds like en (probability" in result.output
    rows = {r["call_id"]: r for r in Store(out / "qc.sqlite").latest_calls()}
    assert rows["OSR_us_000_0034_8k"]["status"] == "failed" and rows["zh_S1"]["status"] == "ok"


class Model:
    """faster-whisper's WhisperModel as FirstWindow sees it: ``encode`` and the language head."""

    def __init__(self, probabilities):
        self.model, self.encoded = self, 0
        self.probabilities = probabilities

    def encode(self, features):
        self.encoded += 1
        return f"encoder output {self.encoded}"

    def detect_language(self, output):
        return [[(f"<|{lang}|>", p) for lang, p in self.probabilities.items()]]


def test_the_first_window_encoded_is_heard_once_by_the_check_armed_on_its_thread_only():
    model, first, heard = Model({"en": 0.9, "zh": 0.0003}), FirstWindow(), []
    first.wrap(model)
    assert model.encode("features") == "encoder output 1" and heard == []  # nothing armed: nothing asked
    with first.hearing(heard.append):
        other = threading.Thread(target=model.encode, args=("another call's window",))
        other.start()
        other.join()
        assert heard == []  # another thread's call (--executor threads) is not this call
        assert model.encode("features") == "encoder output 3" and model.encode("features") == "encoder output 4"
    model.encode("features")
    assert heard == [{"en": 0.9, "zh": 0.0003}]


class Hearing(Detecting):
    """A recogniser that hears the language of the first window it encodes (asr.WhisperTranscriber)."""

    def __init__(self, probabilities):
        super().__init__(probabilities)
        self.first_window, self.model = FirstWindow(), Model(probabilities)
        self.first_window.wrap(self.model)
        self.channels = []

    def transcribe(self, samples, language, **options):
        self.channels.append(round(float(np.abs(samples).max()), 2))  # each channel by its loudness
        self.model.encode(samples)
        return super().transcribe(samples, language, **options)


def test_a_language_given_is_checked_on_the_talkiest_channels_first_window_heard_first(tmp_path, monkeypatch):
    # the right (customer) channel holds more speech than the left
    regions = {0.3: [(0.4, 1.0)], 0.5: [(0.2, 2.8)]}
    monkeypatch.setattr("qc.sources.audio.speech_regions", lambda samples: regions[round(float(samples.max()), 1)])
    path = write_wav(tmp_path / "call.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.5)])
    english = Hearing({"en": 0.93, "zh": 0.0002})
    with pytest.raises(CallError, match=r"sounds like en \(probability 0.93\), not zh as given"):
        AudioSource(AudioSettings(), lambda: english).analyse(CallMeta("call", str(path)), "zh")
    assert english.detections == []  # no pass of its own: the first window's encoder output was heard
    assert english.channels == [0.5]  # the talkiest channel first, and nothing decoded after the refusal
    mandarin = Hearing({"zh": 0.97, "en": 0.001})
    analysis = AudioSource(AudioSettings(), lambda: mandarin).analyse(CallMeta("call", str(path)), "zh")
    assert analysis.transcript.language == "zh" and mandarin.detections == []
    assert mandarin.channels[:2] == [0.5, 0.3] and mandarin.model.encoded == len(mandarin.channels)
    # a list is still decided before transcription, from both channels' speech
    listed = Hearing({"en": 0.93, "zh": 0.0002})
    assert AudioSource(AudioSettings(), lambda: listed).analyse(CallMeta("call", str(path)),
                                                                "zh,en").transcript.language == "en"
    assert listed.detections == [int((0.6 + 2.6) * RATE)] and listed.channels[:2] == [0.3, 0.5]


def refuses_english_given_as_mandarin_in_its_first_window(recogniser, eval_data, monkeypatch):
    def no_pass_of_its_own(speech):
        raise AssertionError("a single language given is checked on the first window encoded")

    monkeypatch.setattr(recogniser, "language_probabilities", no_pass_of_its_own)
    meta = CallMeta("osr", str(eval_data / "joinly" / "OSR_us_000_0034_8k.wav"))
    with pytest.raises(CallError, match=r"sounds like en \(probability"):
        analyse_recording(meta, AudioSettings(diarize=False), recogniser, "zh")
    assert analyse_recording(meta, AudioSettings(diarize=False), recogniser, "en").transcript.language == "en"


@pytest.mark.slow
def test_whisper_hears_an_english_call_given_as_mandarin_in_its_first_window(eval_data, transcriber, monkeypatch):
    refuses_english_given_as_mandarin_in_its_first_window(transcriber, eval_data, monkeypatch)


def test_the_batched_path_checks_a_language_given_on_its_first_window_without_a_pass_of_its_own(tmp_path,
                                                                                                 monkeypatch):
    """--batch-size above 1 (the default on a GPU): the first window of the first batch is heard."""
    regions = {0.3: [(0.4, 1.0)], 0.5: [(0.2, 2.8)]}
    monkeypatch.setattr("qc.sources.audio.speech_regions", lambda samples: regions[round(float(samples.max()), 1)])
    path = write_wav(tmp_path / "call.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.5)])

    def decoded_in_batches(transcriber, channels, language, prompted=None, agent=()):
        transcriber.batches += 1
        for samples, _ in channels:  # every channel's chunks through one encoder call each
            transcriber.model.encode(samples)
        words = (Word(0.5, 1.0, "您好"), Word(1.0, 1.5, "再见"))
        return [ChannelTranscript(language, (RawSegment(0.5, 1.5, "您好再见", words),)) for _ in channels]

    monkeypatch.setattr("qc.sources.audio.transcribe_batched", decoded_in_batches)

    class Batching(Hearing):
        batches = 0

        def batch_size(self):
            return 8

    english = Batching({"en": 0.93, "zh": 0.0002})
    with pytest.raises(CallError, match=r"sounds like en \(probability 0.93\), not zh as given"):
        AudioSource(AudioSettings(), lambda: english).analyse(CallMeta("call", str(path)), "zh")
    assert english.detections == [] and english.batches == 1
    mandarin = Batching({"zh": 0.97, "en": 0.001})
    analysis = AudioSource(AudioSettings(), lambda: mandarin).analyse(CallMeta("call", str(path)), "zh")
    assert analysis.transcript.language == "zh" and mandarin.detections == [] and mandarin.model.encoded == 2


@pytest.mark.slow
def test_whisper_batched_hears_an_english_call_given_as_mandarin_in_its_first_window(eval_data, whisper_model_path,
                                                                                     monkeypatch):
    from qc.analysis.asr import AsrOptions, WhisperTranscriber

    batched = WhisperTranscriber(AsrOptions(batch_size=2), whisper_model_path, cpu_threads=2)
    refuses_english_given_as_mandarin_in_its_first_window(batched, eval_data, monkeypatch)
