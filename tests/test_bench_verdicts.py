"""The arithmetic of bench/verdicts.py and bench/roles.py, on made-up rows and call JSON (no audio)."""

import json

import pytest

from bench.roles import score_roles
from bench.verdicts import Row, corpus_calls, label_verdicts, stats, table


def rows(*cells):
    return [Row(f"c{i}.wav", "16k wav", "greeting", got, label) for i, (got, label) in enumerate(cells)]


def test_agreement_precision_and_recall_of_fail():
    result = stats(rows(("fail", "fail"), ("fail", "pass"), ("pass", "fail"), ("pass", "pass"), ("na", "na")))
    assert result["n"] == 5 and result["agree"] == 3
    assert result["agreement"] == pytest.approx(0.6)
    assert result["fail_precision"] == pytest.approx(0.5)  # 2 fails said, 1 labelled fail
    assert result["fail_recall"] == pytest.approx(0.5)  # 2 labelled fails, 1 found
    nothing_failed = stats(rows(("pass", "pass")))
    assert nothing_failed["fail_precision"] is None and nothing_failed["fail_recall"] is None


def test_the_table_has_each_rule_and_rendering_and_the_totals():
    data = rows(("fail", "fail"), ("pass", "fail")) + [Row("c9.tel8k.wav", "tel8k", "closing", "pass", "pass")]
    summary = table(data)
    assert set(summary) == {"greeting", "closing", "all"}
    assert set(summary["all"]) == {"tel8k", "16k wav", "all"}
    assert summary["greeting"]["16k wav"]["fail_recall"] == pytest.approx(0.5)
    assert summary["all"]["all"]["n"] == 3 and summary["closing"]["16k wav"]["n"] == 0


def test_dev_labels_map_to_rule_ids():
    labels = {"greeting": False, "closing": True, "agent_identified_with_job_number": False,
              "prohibited_phrases": ["不归我管"], "long_silences": [{"seconds": 8.0, "context": "unannounced dead air"}],
              "interruptions": [{"by": "agent", "overlap_s": 1.5}]}
    assert label_verdicts(labels) == {"greeting": "fail", "closing": "pass", "forbidden-phrase": "fail",
                                      "long-silence": "fail", "hold-announced": "fail", "agent-interruption": "fail",
                                      "job-number": "fail"}
    calm = {"greeting": True, "closing": True, "long_silences": [{"seconds": 6.0, "context": "announced hold"}]}
    assert label_verdicts(calm)["hold-announced"] == "pass" and label_verdicts(calm)["long-silence"] == "pass"


def test_corpus_calls_are_read_from_the_rendered_json(tmp_path):
    (tmp_path / "zh-x-01.json").write_text(json.dumps({"language": "zh", "agent_id": "3692", "agent_name": "林晓",
                                                       "labels": {"greeting": "pass", "speech-rate": None}}))
    for suffix in ("wav", "tel8k.wav"):
        (tmp_path / f"zh-x-01.{suffix}").write_bytes(b"")
    calls = corpus_calls(tmp_path)
    assert [(c.call_id, c.rendering) for c in calls] == [("zh-x-01.tel8k.wav", "tel8k"), ("zh-x-01.wav", "16k wav")]
    assert calls[0].labels == {"greeting": "pass"} and calls[0].agent_id == "3692"


def test_role_accuracy_maps_each_diarized_speaker_to_the_party_it_overlaps_most():
    reference = [("agent", 0.0, 4.0), ("customer", 4.5, 9.0), ("agent", 9.5, 12.0)]
    doc = {"segments": [{"speaker": "SPEAKER_01", "role": "agent", "start_s": 0.1, "end_s": 3.9},
                        {"speaker": "SPEAKER_00", "role": "customer", "start_s": 4.6, "end_s": 8.8},
                        {"speaker": "SPEAKER_01", "role": "agent", "start_s": 9.6, "end_s": 11.9}],
           "diarization": {"reason": "agent = SPEAKER_01"}}
    right = score_roles("c.wav", doc, reference)
    assert right.agent_right and right.time_share == pytest.approx(1.0)
    swapped = {**doc, "segments": [{**s, "role": "customer" if s["role"] == "agent" else "agent"}
                                   for s in doc["segments"]]}
    wrong = score_roles("c.wav", swapped, reference)
    assert not wrong.agent_right and wrong.time_share == pytest.approx(0.0)
    assert wrong.speakers["SPEAKER_00"] == {"role": "agent", "reference": "customer"} and wrong.status == "wrong"
    merged = {**doc, "segments": [{**s, "speaker": "SPEAKER_01", "role": "agent"} for s in doc["segments"]]}
    lost = score_roles("c.wav", merged, reference)
    assert lost.status == "one-speaker" and not lost.agent_right
    assert lost.time_share == pytest.approx(6.0 / 10.2, abs=0.01)  # the customer's 4.2 s went to the agent
