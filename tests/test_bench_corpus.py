"""The labelled regression corpus (bench/corpus/calls): every script is well formed, the corpus has
the size and spread the benchmark needs, and each label agrees with what its own script fixes.

No audio: the scripts alone. The facts checked are the ones a script settles without
judgement (silences, overlaps, rendered styles, tagged turns); the labels that need a QA
reviewer's reading (greeting wording, forbidden phrases) are the corpus author's.
"""

from collections import Counter

import pytest
import yaml

from bench.corpus.script import (CALLS_DIR, LABELLED_RULES, ScriptError, agent_interruptions, customer_turns,
                                 first_index, load_call, load_calls, long_gaps, validate)

CALLS = load_calls()
IDS = [c.id for c in CALLS]


def test_the_corpus_is_large_and_varied_enough():
    assert len(CALLS) >= 40
    assert len({c.industry for c in CALLS}) >= 6
    languages = Counter(c.language for c in CALLS)
    assert 0.5 <= languages["zh"] / len(CALLS) <= 0.7, languages
    compliant = sum(c.compliant for c in CALLS)
    assert abs(2 * compliant - len(CALLS)) <= 0.2 * len(CALLS), f"{compliant} of {len(CALLS)} compliant"
    assert len({c.company for c in CALLS}) >= 15
    assert len({(c.voices["agent"].voice, c.voices["agent"].pitch_cents) for c in CALLS}) >= 15


def test_each_violation_the_benchmark_measures_occurs_and_is_missed_somewhere():
    for rule in LABELLED_RULES:
        verdicts = Counter(c.labels[rule] for c in CALLS)
        assert verdicts["fail"] >= 1 and verdicts["pass"] >= 1, (rule, verdicts)


def test_a_malformed_script_is_reported_with_the_field(tmp_path):
    data = yaml.safe_load((CALLS_DIR / f"{IDS[0]}.yaml").read_text(encoding="utf-8"))
    data["labels"] = {**data["labels"], "over-promise": "maybe", "speling": "pass"}
    data["turns"][1]["text"] = "call me on 13900001111"
    bad = tmp_path / f"{IDS[0]}.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScriptError) as error:
        load_call(bad)
    for problem in ("turns[1]: numbers are written out", "labels.over-promise must be one of pass, fail, na",
                    "labels for unknown rules ['speling']"):
        assert problem in str(error.value)
    assert any("missing field 'turns'" in p for p in validate({"id": "x"}, "x"))


@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_timing_is_consistent(call):
    assert call.turns[0].gap_s >= 0
    for before, turn in zip(call.turns, call.turns[1:]):
        if turn.gap_s < 0:  # an overlap starts during the other party's turn, never in an ambiguous band
            assert turn.speaker != before.speaker
            assert turn.gap_s <= -1.4 or turn.gap_s >= -0.6, "overlaps near the 1 s threshold are ambiguous"
        assert turn.gap_s <= 12, "calls stay short: no minute-long holds"
        assert not 4.5 < turn.gap_s < 5.8, "a silence near the 5 s threshold is ambiguous once rendered"


@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_silence_labels_follow_the_script(call):
    gaps = long_gaps(call)
    if not gaps:
        assert call.labels["hold-announced"] == "na" and call.labels["long-silence"] == "pass"
    else:
        expected = "pass" if all(announced for _, announced in gaps) else "fail"
        assert call.labels["hold-announced"] == expected
        assert call.labels["long-silence"] == expected


@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_interruption_and_voice_labels_follow_the_script(call):
    assert call.labels["agent-interruption"] == ("fail" if agent_interruptions(call) else "pass")
    raised = any(t.style == "angry" for t in call.turns if t.speaker == "agent")
    assert call.labels["agent-raised-voice"] == ("fail" if raised else "pass")
    last_two = customer_turns(call)[-2:]
    assert call.labels["customer-emotion-end"] == (
        "fail" if len(last_two) == 2 and all(t.style == "angry" for t in last_two) else "pass")


@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_identity_and_apology_labels_follow_the_tagged_turns(call):
    disclosed, asked = first_index(call, "disclose", "agent"), first_index(call, "id-check", "agent")
    if disclosed is None:
        assert call.labels["identity-verification"] == "na"
    else:
        assert call.labels["identity-verification"] == ("pass" if asked is not None and asked < disclosed else "fail")
    complained = first_index(call, "complaint", "customer")
    if complained is None:
        assert call.labels["complaint-apology"] == "na"
        return
    agent_after = [i for i, t in enumerate(call.turns) if i > complained and t.speaker == "agent"][:2]
    soothed = any("apology" in call.turns[i].tags for i in agent_after)
    assert call.labels["complaint-apology"] == ("pass" if soothed else "fail")
