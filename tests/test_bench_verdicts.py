"""The arithmetic of bench/verdicts.py and bench/roles.py, on made-up rows and call JSON (no audio)."""

import json
from pathlib import Path

import pytest

from bench.roles import score_roles
from bench.verdicts import Row, corpus_calls, label_verdicts, stats, table

ROOT = Path(__file__).resolve().parent.parent


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


def test_a_script_becomes_a_transcript_timed_from_its_words_and_gaps():
    from bench.corpus.script import CallScript, Turn
    from bench.script_verdicts import transcript_of

    turns = (Turn("agent", 0.5, "您好，这里是蓝湾茶社"), Turn("customer", -1.8, "我想问一下"), Turn("agent", 7.0, "好"))
    zh = CallScript("zh-x-1", "zh", "x", "inbound", "蓝湾茶社", "李", "1", "查询", "t", "products", {}, turns, {})
    assert transcript_of(zh).splitlines() == ["agent 0.50 2.72 您好，这里是蓝湾茶社",  # 10 characters at 4.5 a second
                                              "customer 0.92 2.03 我想问一下",  # 1.8 s before the agent finished
                                              "agent 9.72 10.12 好"]  # 7 s after every earlier turn; 0.4 s at least
    en = CallScript("en-x-1", "en", "x", "inbound", "Acme", "Al", "1", "查询", "t", "products", {},
                    (Turn("agent", 0.0, "Thanks for calling Acme,\n  this is Al."),), {})
    assert transcript_of(en) == "agent 0.00 2.69 Thanks for calling Acme, this is Al."  # 7 words at 2.6 a second


def test_script_verdicts_score_the_packs_and_list_what_another_pack_moves(tmp_path):
    """The real zh pack on a committed script, then a copy whose greeting no agent can meet."""
    import yaml

    from bench.script_verdicts import main

    packs = tmp_path / "packs"
    packs.mkdir()
    for lang in ("zh", "en"):
        pack = yaml.safe_load((ROOT / "rules" / f"{lang}-default.yaml").read_text(encoding="utf-8"))
        for rule in pack["rules"]:
            if rule["id"] == "greeting":
                rule.pop("conditions", None)
                rule["require"] = {"check": "keyword", "role": "agent", "any": ["从来没有人说过的开场白"]}
        (packs / f"{lang}-default.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["--calls", "zh-tea-cooperative-266", "--against", str(packs), "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    got = {row["rule_id"]: row["got"] for row in result["rows"]}
    assert len(got) == 7 and got["greeting"] == "pass" and got["job-number"] == "pass"  # as labelled
    assert [(m["mark"], m["rule_id"], m["before"], m["got"]) for m in result["moved"]] == [
        ("+", "greeting", "fail", "pass")]
    assert main(["--calls", "no-such-call"]) == 2
