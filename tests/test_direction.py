"""A call's direction (manifest ``direction`` or ``qc run --direction``) decides which speaker of a
mono call is the agent when nothing else does, and is part of the call's analysis key."""

from qc.analysis.asr import ChannelTranscript, RawSegment
from qc.rules.providers import CheckModels
from qc.run.pipeline import RunSettings, run_batch
from qc.run.store import Store
from qc.schema import CallMeta, Word
from qc.sources.audio import AudioSettings, AudioSource

from helpers import tone, write_wav
from test_pipeline import RULES


class PickedUp:
    """Someone answers the phone, the other says hello; nothing typical of either party."""

    def transcribe(self, samples, language, **options):
        first, second = Word(0.5, 1.0, "喂？"), Word(2.0, 2.6, "你好")
        return ChannelTranscript("zh", (RawSegment(0.5, 1.0, "喂？", (first,)), RawSegment(2.0, 2.6, "你好", (second,))))


class TwoTurns:
    def diarize(self, samples, num_speakers=2, min_speakers=None, max_speakers=None, speech=()):
        return [("SPEAKER_00", 0.4, 1.1), ("SPEAKER_01", 1.9, 2.7)]


def analyse(store, meta, **audio):
    source = AudioSource(AudioSettings(**audio), PickedUp, TwoTurns)
    summary = run_batch([meta], RunSettings(), store, {"audio": source}, lambda lang: RULES, CheckModels())
    row = store.latest_calls()[0]
    roles = {s["speaker"]: s["role"] for s in row["analysis"]["transcript"]["segments"]}
    return summary.processed, roles, row["analysis"]["diarization"]


def test_the_direction_decides_who_is_the_agent_and_a_new_one_analyses_the_call_again(tmp_path):
    path = str(write_wav(tmp_path / "mono.wav", [tone(4.0, amp=0.3)]))
    store = Store(tmp_path / "qc.sqlite")
    processed, roles, diarization = analyse(store, CallMeta("m", path, direction="outbound"))
    assert processed == 1 and roles == {"SPEAKER_00": "customer", "SPEAKER_01": "agent"}
    assert "呼出" in diarization["reason"]  # outbound, said in the (zh) call's language
    processed, roles, _ = analyse(store, CallMeta("m", path, direction="inbound"))
    assert processed == 1 and roles == {"SPEAKER_00": "agent", "SPEAKER_01": "customer"}
    assert analyse(store, CallMeta("m", path, direction="inbound"))[0] == 0  # unchanged: done


def test_the_run_direction_stands_for_calls_without_one(tmp_path):
    path = str(write_wav(tmp_path / "mono.wav", [tone(4.0, amp=0.3)]))
    _, roles, diarization = analyse(Store(tmp_path / "a.sqlite"), CallMeta("m", path), direction="outbound")
    assert roles["SPEAKER_01"] == "agent"
    _, roles, diarization = analyse(Store(tmp_path / "b.sqlite"), CallMeta("m", path))
    assert "呼叫方向未知" in diarization["reason"] and diarization["role_confidence"] < 0.6
