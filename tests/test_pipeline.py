"""The batch pipeline with a fake recogniser: skipping, retrying, failing, re-scoring."""

import json
from pathlib import Path

import numpy as np
import pytest

from qc.analysis.asr import ChannelTranscript, RawSegment
from qc.errors import EnvironmentFailure
from qc.run.pipeline import RunSettings, run_batch
from qc.rules.providers import CheckModels
from qc.sources.audio import AudioSettings, AudioSource
from qc.rules.ruleset import load_ruleset
from qc.schema import CallMeta, Word
from qc.run.migrations import MIGRATIONS
from qc.run.store import Store

from helpers import call_file, tone, write_wav

ROOT = Path(__file__).resolve().parent.parent
RULES = load_ruleset(ROOT / "rules" / "zh-default.yaml")


class ScriptedTranscriber:
    """Says a fixed line per channel: the agent channel (louder tone) greets, the other asks."""

    def __init__(self, fail_on_quiet=False):
        self.calls = 0
        self.fail_on_quiet = fail_on_quiet

    def transcribe(self, samples, language, **options):
        self.calls += 1
        level = float(np.abs(samples).max())
        if level == 0.0:  # digital silence: nothing heard (Whisper's inventions there are dropped by the guard)
            return ChannelTranscript(language or "zh", ())
        if self.fail_on_quiet and level < 0.05:
            raise RuntimeError("recogniser exploded")
        text = "您好，星河通信客服，再见" if level > 0.2 else "你好"
        start = 0.5 if level > 0.2 else 2.0
        word = Word(start, start + 1.0, text)
        return ChannelTranscript(language or "zh", (RawSegment(start, start + 1.0, text, (word,)),))


@pytest.fixture
def batch(tmp_path):
    good = write_wav(tmp_path / "good.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.1)])
    quiet = write_wav(tmp_path / "quiet.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.01)])
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    calls = [CallMeta("good", str(good), "A1"), CallMeta("quiet", str(quiet), "A1"), CallMeta("bad", str(bad), "A2")]
    return calls, Store(tmp_path / "qc.sqlite")


def batch_run(calls, store, transcriber, rules=RULES, diarizer=None, force=False, **audio):
    """run_batch as qc run wires it: one audio source with the given model factories."""
    source = AudioSource(AudioSettings(**audio), transcriber, diarizer)
    return run_batch(calls, RunSettings(force=force), store, {"audio": source}, lambda meta: rules, CheckModels())


def run(calls, store, transcriber, rules=RULES, **settings):
    created = []

    def factory():
        created.append(1)
        return transcriber

    summary = batch_run(calls, store, factory, rules, **settings)
    return summary, len(created)


def test_bad_call_fails_alone_and_batch_completes(batch):
    calls, store = batch
    summary, _ = run(calls, store, ScriptedTranscriber())
    assert (summary.processed, summary.skipped, summary.exit_code) == (2, 0, 1)
    [(call_id, reason)] = summary.failed
    assert call_id == "bad" and "not a readable audio file" in reason  # the command line's: English
    rows = {r["call_id"]: r for r in store.latest_calls()}
    assert rows["bad"]["status"] == "failed" and rows["good"]["status"] == "ok"
    assert "不是可读取的音频文件" in rows["bad"]["error"]  # stored in the language of the call's (zh) pack
    segments = rows["good"]["analysis"]["transcript"]["segments"]
    assert [(s["role"], s["speaker"]) for s in segments] == [("agent", "left"), ("customer", "right")]
    greeting = next(r for r in rows["good"]["score_detail"]["rules"] if r["rule_id"] == "greeting")
    assert greeting["status"] == "pass" and greeting["evidence"][0]["start_s"] == 0.5


def test_rerun_skips_done_calls_without_transcribing_and_retries_failed(batch):
    calls, store = batch
    run(calls, store, ScriptedTranscriber())
    fresh = ScriptedTranscriber()
    summary, _ = run(calls, store, fresh)
    assert (summary.processed, summary.skipped, len(summary.failed)) == (0, 2, 1)
    assert fresh.calls == 0


def test_force_processes_again(batch):
    calls, store = batch
    run(calls[:1], store, ScriptedTranscriber())
    again = ScriptedTranscriber()
    summary, _ = run(calls[:1], store, again, force=True)
    assert summary.processed == 1 and again.calls == 2


def test_interrupted_call_is_retried(batch):
    calls, store = batch
    from qc.run.plan import call_key

    store.mark_processing(call_key(calls[0].path, AudioSettings().fingerprint(), "zh", None), calls[0])
    summary, _ = run(calls[:1], store, ScriptedTranscriber())
    assert summary.processed == 1 and summary.skipped == 0


def test_changed_rules_rescore_stored_calls_without_audio(batch, tmp_path):
    calls, store = batch
    run(calls[:1], store, ScriptedTranscriber())
    strict = tmp_path / "strict.yaml"
    strict.write_text("name: strict\nrules:\n  - id: greeting\n    title: G\n    points: 30\n"
                      "    require: {check: keyword, role: agent, first_s: 15, any: [早上好]}\n")
    idle = ScriptedTranscriber()
    summary, _ = run(calls[:1], store, idle, rules=load_ruleset(strict))
    assert summary.rescored == 1 and idle.calls == 0
    row = store.latest_calls()[0]
    assert row["score"] == 70.0 and row["rules_name"] == "strict"


def test_unexpected_exception_is_recorded_as_internal_error(batch):
    calls, store = batch
    summary, _ = run(calls[:2], store, ScriptedTranscriber(fail_on_quiet=True))
    assert summary.processed == 1
    assert summary.failed[0][0] == "quiet" and "internal error" in summary.failed[0][1]


def test_environment_failure_stops_the_batch(batch):
    calls, store = batch

    class DiskFull(ScriptedTranscriber):
        def transcribe(self, samples, language, **options):
            raise EnvironmentFailure("disk full")

    with pytest.raises(EnvironmentFailure):
        run(calls, store, DiskFull())


def test_identical_stereo_channels_are_mono_and_roles_unknown(tmp_path):
    same = tone(3.0, amp=0.3)
    path = write_wav(tmp_path / "dup.wav", [same, same])
    store = Store(tmp_path / "qc.sqlite")
    run([CallMeta("dup", str(path), layout="stereo-agent-left")], store, ScriptedTranscriber())
    row = store.latest_calls()[0]
    assert row["analysis"]["audio"]["layout"] == "mono"
    statuses = {r["rule_id"]: r["status"] for r in row["score_detail"]["rules"]}
    assert statuses["greeting"] == "na" and statuses["forbidden-phrase"] == "na"
    assert statuses["long-silence"] in ("pass", "fail")


def test_stereo_agent_right_swaps_roles(tmp_path):
    path = write_wav(tmp_path / "r.wav", [tone(3.0, 300, amp=0.1), tone(3.0, amp=0.3)])
    store = Store(tmp_path / "qc.sqlite")
    run([CallMeta("r", str(path), layout="stereo-agent-right")], store, ScriptedTranscriber())
    segments = store.latest_calls()[0]["analysis"]["transcript"]["segments"]
    assert {s["speaker"]: s["role"] for s in segments} == {"right": "agent", "left": "customer"}


def test_the_site_prompt_goes_to_the_agent_channel_and_never_to_the_customer(tmp_path):
    """The prompt holds the agent's script; on the customer's channel it made Whisper cut speech
    into fragments that read as complaints. A mono call and a stereo call of unknown roles keep it.
    (The agent's channel is transcribed first, whichever side it is on.)"""
    class Recording(ScriptedTranscriber):
        def __init__(self):
            super().__init__()
            self.prompted = []
            self.agents = set()

        def transcribe(self, samples, language, prompted=True, **options):
            self.prompted.append((round(float(np.abs(samples).max()), 1), prompted))
            self.agents.add(options.get("agent"))
            return super().transcribe(samples, language)

    stereo = write_wav(tmp_path / "s.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.1)])
    right = write_wav(tmp_path / "r.wav", [tone(3.0, 300, amp=0.1), tone(3.0, amp=0.3)])
    mono = write_wav(tmp_path / "m.wav", [tone(3.0, amp=0.3)])
    for meta, expected in ((CallMeta("s", str(stereo), layout="stereo-agent-left"), [(0.3, True), (0.1, False)]),
                           (CallMeta("r", str(right), layout="stereo-agent-right"), [(0.3, True), (0.1, False)]),
                           (CallMeta("u", str(stereo)), [(0.3, True), (0.1, True)]),  # roles still to be found
                           (CallMeta("m", str(mono)), [(0.3, True)])):
        transcriber = Recording()
        run([meta], Store(tmp_path / f"{meta.call_id}.sqlite"), transcriber)
        assert transcriber.prompted == expected, meta.call_id
    # the call's own agent travels with each channel (the options decide whether the prompt says it)
    transcriber = Recording()
    run([CallMeta("a", str(stereo), layout="stereo-agent-left", agent_id="4410", agent_name="Priya Nair")],
        Store(tmp_path / "a.sqlite"), transcriber)
    assert transcriber.agents == {("Priya Nair", "4410")}


def test_store_migrations_are_recorded_once(tmp_path):
    store = Store(tmp_path / "qc.sqlite")
    assert store.migrate() == []
    names = [r[0] for r in store.db.execute("SELECT name FROM migrations")]
    assert names == [name for name, _ in MIGRATIONS] and names[0] == "0001_calls_and_runs"


def test_auto_language_is_detected_once_from_the_agent_channel(tmp_path):
    class Detecting(ScriptedTranscriber):
        def __init__(self):
            super().__init__()
            self.asked = []

        def transcribe(self, samples, language, **options):
            self.asked.append(language)
            result = super().transcribe(samples, language)
            return ChannelTranscript(language or "en", result.segments)

    path = write_wav(tmp_path / "a.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.1)])
    store = Store(tmp_path / "qc.sqlite")
    recogniser = Detecting()
    run([CallMeta("a", str(path), language="auto")], store, recogniser)
    assert recogniser.asked == [None, "en"]
    assert store.latest_calls()[0]["analysis"]["transcript"]["language"] == "en"


class MonoScript:
    """A mono call: the agent greets at 0.5-1.5 s, the customer asks at 2.0-3.0 s."""

    def transcribe(self, samples, language, **options):
        words = (Word(0.5, 1.0, "您好，"), Word(1.0, 1.5, "这里是客服中心"), Word(2.0, 3.0, "我想查话费"))
        hallucination = RawSegment(3.5, 5.5, "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", ())
        return ChannelTranscript("zh", (RawSegment(0.5, 3.0, "您好，这里是客服中心我想查话费", words), hallucination))


class FakeDiarizer:
    def __init__(self):
        self.asked = []

    def diarize(self, samples, num_speakers=2, min_speakers=None, max_speakers=None, speech=()):
        self.asked.append(num_speakers)
        return [("SPEAKER_01", 0.4, 1.6), ("SPEAKER_00", 1.9, 3.1)]


def test_mono_call_is_diarized_roles_decided_and_hallucinations_dropped(tmp_path):
    from qc.report import write_outputs

    path = write_wav(tmp_path / "mono.wav", [tone(6.0, amp=0.3)])
    store = Store(tmp_path / "qc.sqlite")
    diarizer = FakeDiarizer()
    summary = batch_run([CallMeta("m", str(path), "A1")], store, MonoScript, diarizer=lambda: diarizer)
    assert summary.processed == 1 and diarizer.asked == [2]
    row = store.latest_calls()[0]
    transcript = row["analysis"]["transcript"]
    assert [(s["speaker"], s["role"]) for s in transcript["segments"]] == [("SPEAKER_01", "agent"),
                                                                           ("SPEAKER_00", "customer")]
    assert transcript["dropped_segments"] == 1 and transcript["roles_known"]
    assert row["analysis"]["diarization"]["method"] == "pyannote"
    verdicts = {r["rule_id"]: r["status"] for r in row["score_detail"]["rules"]}
    assert verdicts["greeting"] == "pass"
    write_outputs(store.latest_calls(), tmp_path / "out")
    doc = json.loads((tmp_path / "out" / call_file(tmp_path / "out", "m", "json")).read_text(encoding="utf-8"))
    assert doc["diarization"]["method"] == "pyannote" and doc["diarization"]["role_confidence"] > 0.6
    rttm = (tmp_path / "out" / call_file(tmp_path / "out", "m", "rttm")).read_text()
    assert rttm.startswith("SPEAKER m 1 0.400 1.200 <NA> <NA> SPEAKER_01")


def test_mono_call_without_diarization_keeps_roles_unknown(tmp_path):
    path = write_wav(tmp_path / "mono.wav", [tone(6.0, amp=0.3)])
    store = Store(tmp_path / "qc.sqlite")
    batch_run([CallMeta("m", str(path))], store, MonoScript, diarizer=FakeDiarizer, diarize=False)
    row = store.latest_calls()[0]
    assert {s["role"] for s in row["analysis"]["transcript"]["segments"]} == {"unknown"}
    assert row["analysis"]["diarization"]["method"] == "none"


def test_changed_diarization_settings_analyse_mono_calls_again(tmp_path):
    """Diarization options and the pipeline directory change the turns, so they are in the cache key."""
    from qc.analysis.diarize_options import DiarizationOptions

    path = write_wav(tmp_path / "mono.wav", [tone(6.0, amp=0.3)])
    store = Store(tmp_path / "qc.sqlite")
    calls = [CallMeta("m", str(path), "A1")]
    diarizer = FakeDiarizer()
    first = batch_run(calls, store, MonoScript, diarizer=lambda: diarizer)
    same = batch_run(calls, store, MonoScript, diarizer=lambda: diarizer)
    tuned = batch_run(calls, store, MonoScript, diarizer=lambda: diarizer,
                      diarization=DiarizationOptions(clustering_threshold=0.5))
    other = batch_run(calls, store, MonoScript, diarizer=lambda: diarizer, diarization_pipeline="/srv/community-1")
    on_gpu = batch_run(calls, store, MonoScript, diarizer=lambda: diarizer,
                       diarization=DiarizationOptions(device="cuda", embedding_batch_size=64))
    assert [s.processed for s in (first, same, tuned, other, on_gpu)] == [1, 0, 1, 1, 0]
    assert len(diarizer.asked) == 3


def test_the_run_gives_its_progress_hook_to_the_diarizer(tmp_path, caplog):
    """pyannote's notes reach the log (qc -v): the diarizer reports through the run's hook."""
    from qc.rules.assign import load_assignment
    from qc.run.runner import Runner

    runner = Runner(RunSettings(), AudioSettings(), load_assignment(), tmp_path / "qc.sqlite", tmp_path / "out",
                    CheckModels())
    diarizer = runner.sources["audio"].diarizer()
    assert diarizer is not None and diarizer.hook is runner.progress
    with caplog.at_level("DEBUG", logger="qc"):
        diarizer.hook("diarization-note", "", text="std(): degrees of freedom is <= 0")
    assert "degrees of freedom" in caplog.text


class WarmScript(MonoScript):
    """MonoScript with a model that can be released, as WhisperTranscriber's."""

    def __init__(self):
        self.loaded, self.released = False, 0

    def transcribe(self, samples, language, **options):
        self.loaded = True
        return super().transcribe(samples, language)

    def release(self):
        self.loaded, self.released = False, self.released + 1


class WatchingDiarizer(FakeDiarizer):
    """Notes whether Whisper's model was still loaded when diarization began, and the sample type."""

    def __init__(self, transcriber):
        super().__init__()
        self.transcriber, self.whisper_loaded, self.dtypes = transcriber, [], []

    def diarize(self, samples, **kwargs):
        self.whisper_loaded.append(self.transcriber.loaded)
        self.dtypes.append(samples.dtype)
        return super().diarize(samples, **kwargs)


def test_a_long_recording_frees_whisper_before_diarization_and_a_short_one_keeps_it(tmp_path, monkeypatch):
    """Past the long-recording threshold, pyannote and the rules' models need the memory more than a
    warm Whisper does; a night of short calls keeps it loaded from call to call."""
    from qc.sources import audio

    monkeypatch.setattr(audio, "LONG_RECORDING_S", 5.0)
    short = write_wav(tmp_path / "short.wav", [tone(4.0, amp=0.3)])
    long = write_wav(tmp_path / "long.wav", [tone(6.0, amp=0.3)])
    whisper = WarmScript()
    diarizer = WatchingDiarizer(whisper)
    calls = [CallMeta("short", str(short), "A1"), CallMeta("long", str(long), "A1")]
    summary = batch_run(calls, Store(tmp_path / "qc.sqlite"), lambda: whisper, diarizer=lambda: diarizer)
    assert summary.processed == 2
    assert diarizer.whisper_loaded == [True, False] and whisper.released == 1
    assert diarizer.dtypes == [np.float32, np.float16]  # the long one is held as float16


def test_a_released_whisper_loads_again_when_next_needed(whisper_model_path):
    from qc.analysis.asr import AsrOptions, WhisperTranscriber

    whisper = WhisperTranscriber(AsrOptions(), whisper_model_path, cpu_threads=1)
    first = whisper.load()
    whisper.release()
    assert whisper._model is None
    assert whisper.transcribe(np.zeros(16000, dtype=np.float32), "zh").segments == ()  # one silent second
    assert whisper._model is not None and whisper._model is not first


def test_auto_language_with_a_language_dependent_prompt_detects_then_transcribes(whisper_model_path, eval_data):
    """--language auto with the default prompt (one per language) asks Whisper for the language first,
    with the same voice activity settings as the transcription: faster-whisper's detect_language takes
    them only as VadOptions, where transcribe also takes a dict (every auto call once failed here)."""
    from qc.analysis.asr import AsrOptions, WhisperTranscriber
    from qc.analysis.audio import decode_audio

    options = AsrOptions(initial_prompt=(("en", "Thank you for calling."), ("zh", "您好，欢迎致电。")))
    assert options.by_language()
    whisper = WhisperTranscriber(options, whisper_model_path, cpu_threads=1)
    audio = decode_audio(eval_data / "openai-whisper" / "jfk.flac")
    result = whisper.transcribe(audio.channels[0], "auto")
    assert result.language == "en"
    assert "country" in " ".join(segment.text for segment in result.segments).lower()
