"""--language zh,en: each call's language detected among the listed ones only, once per call."""

from itertools import groupby

import numpy as np
import pytest
from click.testing import CliRunner

from qc.analysis.asr import ChannelTranscript, RawSegment
from qc.analysis.language import call_language, listed_languages, parse_language, pick_language, speech_sample
from qc.cli import cli
from qc.rules.ruleset import load_rulesets, pick_ruleset
from qc.schema import CallMeta, Word

from qc.rules.providers import CheckModels
from qc.run.pipeline import RunSettings, run_batch
from qc.run.store import Store
from qc.sources.audio import AudioSettings, AudioSource

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


def test_call_language_asks_once_and_only_for_a_list():
    recogniser = Detecting()
    channels, regions = [np.ones(RATE), np.ones(RATE)], [[(0.0, 0.5)], [(0.5, 1.0)]]
    assert call_language(recogniser, channels, regions, "zh") == "zh" and recogniser.detections == []
    assert call_language(recogniser, channels, regions, "auto") == "auto" and recogniser.detections == []
    assert call_language(recogniser, channels, regions, "zh,en") == "en" and recogniser.detections == [RATE]
    assert call_language(recogniser, channels, [[], []], "zh,en") == "zh"  # no speech: nothing to detect


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
    assert recogniser.detections == [int(2 * 1.2 * RATE)]  # once, for call a: both channels' speech
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
