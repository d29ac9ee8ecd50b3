"""Rule sets per team, queue, direction, language: the assignment file, in qc run and qc score alike,
and the manifest's extra columns as call metadata. The recogniser is a fake (test_nights)."""

import csv
import json
from pathlib import Path

import pytest

from qc.errors import RuleConfigError
from qc.rules import assign as assign_module
from qc.rules.assign import load_assignment
from qc.rules.ruleset import load_ruleset
from qc.run.store import Store
from qc.schema import CallMeta

from test_nights import fake_whisper, pages, qc, stereo  # noqa: F401 (fake_whisper: an autouse fixture)

SALES = "extends: zh-default.yaml\nname: sales\nrules:\n  - id: closing\n    points: {points}\n"
CARE = "extends: zh-default.yaml\nname: care\nrules:\n  - id: speech-rate\n    enabled: false\n"
ASSIGN = """assign:
  - when: {team: [sales]}
    rules: teams/sales.yaml
  - when: {team: [care], queue: [vip]}
    rules: teams/care.yaml
  - rules: zh-default.yaml
"""


def rules_folder(tmp_path: Path, sales_points: int = 5) -> Path:
    folder = tmp_path / "rules"
    (folder / "teams").mkdir(parents=True, exist_ok=True)
    (folder / "teams" / "sales.yaml").write_text(SALES.format(points=sales_points), encoding="utf-8")
    (folder / "teams" / "care.yaml").write_text(CARE, encoding="utf-8")
    (folder / "assign.yaml").write_text(ASSIGN, encoding="utf-8")
    return folder


def night_with_teams(tmp_path: Path) -> Path:
    """Four calls: two of sales, one of care's VIP queue, one of care's standard queue."""
    calls = tmp_path / "calls"
    rows = [("S1", "A1", "sales", "outbound", "standard"), ("S2", "A2", "sales", "outbound", "vip"),
            ("C1", "A3", "care", "inbound", "vip"), ("C2", "A4", "care", "inbound", "standard")]
    lines = ["call_id,file,agent_id,team,started_at,direction,queue"]
    for index, (call_id, agent, team, direction, queue) in enumerate(rows):
        stereo(calls / f"{call_id}.wav", 400 + 10 * index)
        lines.append(f"{call_id},{call_id}.wav,{agent},{team},2026-11-21T09:0{index}:00,{direction},{queue}")
    (calls / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return calls


def rule_sets(out: Path) -> dict[str, tuple[str, str]]:
    return {d["call_id"]: (d["rule_set"]["name"], d["rule_set"]["version"]) for d in pages(out)}


def test_each_call_keeps_its_teams_rule_set_when_a_nightly_run_follows_a_rescoring(tmp_path):
    folder, calls, out = rules_folder(tmp_path), night_with_teams(tmp_path), tmp_path / "reports"
    assign = folder / "assign.yaml"
    run = ("run", calls, "--manifest", calls / "manifest.csv", "--out", out, "--assign", assign)
    assert qc(*run).exit_code == 0
    first = rule_sets(out)
    assert {c: name for c, (name, _) in first.items()} == {"S1": "sales", "S2": "sales", "C1": "care",
                                                           "C2": "zh-default"}

    # the sales QA lead changes their set and re-scores: only sales calls get the new version
    (folder / "teams" / "sales.yaml").write_text(SALES.format(points=7), encoding="utf-8")
    new_sales = load_ruleset(folder / "teams" / "sales.yaml").fingerprint()
    result = qc("score", "--db", out / "qc.sqlite", "--assign", assign)
    assert result.exit_code == 0, result.output
    rescored = rule_sets(out)
    assert rescored["S1"] == rescored["S2"] == ("sales", new_sales) != first["S1"]
    assert rescored["C1"] == first["C1"] and rescored["C2"] == first["C2"]

    # the next night's run with the same mapping undoes nothing: nothing is even re-scored
    result = qc(*run)
    assert result.exit_code == 0, result.output
    assert "4 already done" in result.output and "re-scored" not in result.output
    assert rule_sets(out) == rescored
    closing = {d["call_id"]: next(r for r in d["rules"] if r["rule_id"] == "closing") for d in pages(out)}
    assert closing["S1"]["points"] == 7 and closing["C1"]["points"] == 10  # care keeps zh-default's 10

    # every call shows the set and version it was scored with; the overview names each team's sets
    page = (out / next(d["page"] for d in pages(out) if d["call_id"] == "S1")).read_text(encoding="utf-8")
    assert "sales" in page and new_sales[:8] in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "本团队的分数来自 2 个规则集" in index  # care: care (VIP queue) and zh-default, not mixed silently
    rows = {r["call_id"]: r for r in csv.DictReader((out / "results.csv").open(encoding="utf-8-sig"))}
    assert (rows["S2"]["rule_set"], rows["S2"]["rule_set_version"]) == ("sales", new_sales)
    assert rows["C1"]["direction"] == "inbound" and rows["C1"]["metadata"] == '{"queue": "vip"}'


def test_without_the_mapping_a_nightly_run_would_rescore_every_call_with_its_languages_pack(tmp_path):
    """What the mapping prevents: a run that picks by language alone takes the teams' sets back."""
    folder, calls, out = rules_folder(tmp_path), night_with_teams(tmp_path), tmp_path / "reports"
    run = ("run", calls, "--manifest", calls / "manifest.csv", "--out", out)
    assert qc(*run, "--assign", folder / "assign.yaml").exit_code == 0
    result = qc(*run)
    assert "3 re-scored" in result.output
    assert {name for name, _ in rule_sets(out).values()} == {"zh-default"}


def test_rules_assign_yaml_beside_the_packs_is_used_without_an_option(tmp_path, monkeypatch):
    folder, calls, out = rules_folder(tmp_path), night_with_teams(tmp_path), tmp_path / "reports"
    monkeypatch.setattr(assign_module, "DEFAULT_ASSIGN", folder / "assign.yaml")
    assert qc("run", calls, "--manifest", calls / "manifest.csv", "--out", out).exit_code == 0
    assert rule_sets(out)["S1"][0] == "sales"
    result = qc("score", "--db", out / "qc.sqlite", "--rules", folder / "teams" / "care.yaml")
    assert result.exit_code == 0 and {n for n, _ in rule_sets(out).values()} == {"care"}  # --rules: every call


def test_rules_and_assign_together_are_a_usage_error(tmp_path):
    folder = rules_folder(tmp_path)
    result = qc("run", stereo(tmp_path / "a.wav", 440), "--out", tmp_path / "out",
                "--rules", folder / "teams" / "care.yaml", "--assign", folder / "assign.yaml")
    assert result.exit_code == 2 and "not both" in result.output and not (tmp_path / "out").exists()


def test_a_when_field_no_call_has_stops_the_run_before_any_audio(tmp_path):
    folder, calls = rules_folder(tmp_path), night_with_teams(tmp_path)
    (folder / "assign.yaml").write_text(ASSIGN.replace("queue: [vip]", "queu: [vip]"), encoding="utf-8")
    result = qc("run", calls, "--manifest", calls / "manifest.csv", "--out", tmp_path / "out",
                "--assign", folder / "assign.yaml")
    assert result.exit_code == 2
    assert 'option "assign[2].when.queu": no call has this field (did you mean "queue"?)' in result.output
    assert not (tmp_path / "out").exists()


def test_extra_columns_are_kept_masked_when_redacting_and_unchanged_ones_rescore_nothing(tmp_path):
    calls = tmp_path / "calls"
    stereo(calls / "a.wav", 440)
    manifest = calls / "manifest.csv"
    manifest.write_text("call_id,file,agent_id,customer_phone,tier\nC1,a.wav,A1,13812345678,gold\n", encoding="utf-8")
    out = tmp_path / "reports"
    assert qc("run", calls, "--manifest", manifest, "--out", out, "--redact", "--audio", "none").exit_code == 0
    [doc] = pages(out)
    assert doc["metadata"]["tier"] == "gold" and doc["metadata"]["customer_phone"].endswith("5678")
    assert "13812345678" not in (out / doc["page"]).read_text(encoding="utf-8") + str(doc)
    again = qc("run", calls, "--manifest", manifest, "--out", out, "--redact", "--audio", "none")
    assert "1 already done" in again.output and "re-scored" not in again.output
    manifest.write_text("call_id,file,agent_id,customer_phone,tier\nC1,a.wav,A1,13812345678,silver\n",
                        encoding="utf-8")
    assert "1 re-scored" in qc("run", calls, "--manifest", manifest, "--out", out, "--redact", "--audio",
                               "none").output
    [row] = Store(out / "qc.sqlite").latest_calls()
    assert row["extra"] == {"customer_phone": "13812345678", "tier": "silver"}  # clear, as the id and path
    assert row["analysis"]["meta"]["extra"]["customer_phone"].endswith("5678")  # masked, as the transcript
    assert "13812345678" not in json.dumps(row["analysis"]) and pages(out)[0]["metadata"]["tier"] == "silver"


# -- the assignment file on its own ----------------------------------------------------------------


def pick(assignment, **fields) -> str:
    own = {k: fields.pop(k) for k in ("team", "agent_id", "direction", "language") if k in fields}
    return assignment.pick(CallMeta("c", "c.wav", **own, extra=fields)).name


def test_first_matching_entry_wins_and_unmatched_calls_get_their_languages_pack(tmp_path):
    folder = rules_folder(tmp_path)
    (folder / "assign.yaml").write_text("""assign:
  - when: {direction: [Outbound], language: [zh]}
    rules: teams/sales.yaml
  - when: {tier: [gold, platinum]}
    rules: teams/care.yaml
""", encoding="utf-8")
    assignment = load_assignment(folder / "assign.yaml")
    assert pick(assignment, direction="outbound", language="zh-CN", tier="gold") == "sales"  # first match
    assert pick(assignment, direction="inbound", language="zh", tier="Platinum") == "care"
    assert pick(assignment, direction="inbound", language="en") == "en-default"  # no entry: by language
    assert {s.name for s in assignment.rulesets} == {"sales", "care", "zh-default", "en-default"}
    catch_all = load_assignment(rules_folder(tmp_path / "b") / "assign.yaml")
    assert pick(catch_all, language="en") == "zh-default" and "en-default" not in {s.name for s in catch_all.rulesets}


@pytest.mark.parametrize("text,message", [
    ("assign: []\n", 'option "assign": invalid value: expected a non-empty list'),
    ("asign:\n  - rules: zh-default.yaml\n", 'option "assign": invalid value'),
    ("assign:\n  - rules: zh-default.yaml\n    wen: {team: [a]}\n", r'unknown key \(did you mean "when"\?\)'),
    ("assign:\n  - when: {team: [a]}\n", "expected a mapping with rules: FILE"),
    ("assign:\n  - rules: zh-default.yaml\n  - when: {team: [a]}\n    rules: zh-default.yaml\n",
     'option "assign\\[2\\]": never used: entry 1 has no when: and takes every call'),
    ("assign:\n  - when: {team: a}\n    rules: zh-default.yaml\n", 'option "assign\\[1\\].when.team": invalid value: '
                                                                   'expected a non-empty list of text'),
    ("assign:\n  - when: {}\n    rules: zh-default.yaml\n", "leave when: out for every call"),
    ("assign:\n  - rules: teams/nope.yaml\n", 'option "assign\\[1\\].rules": rule set not found in .* or .*rules'),
    ("assign:\n  - rules: broken.yaml\n", 'broken.yaml: rule "x": option "title": missing'),
])
def test_assignment_mistakes_are_one_line_before_any_work(tmp_path, text, message):
    (tmp_path / "broken.yaml").write_text("rules:\n  - id: x\n    require: {check: silence}\n", encoding="utf-8")
    (tmp_path / "assign.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RuleConfigError, match=message):
        load_assignment(tmp_path / "assign.yaml")


def test_when_fields_are_checked_against_qcs_fields_and_the_manifests_columns(tmp_path):
    assignment = load_assignment(rules_folder(tmp_path) / "assign.yaml")
    assignment.check_fields(["queue", "tier"])
    with pytest.raises(RuleConfigError, match="no call has this field"):
        assignment.check_fields(["tier"])


def test_rules_check_validates_an_assignment_file_and_every_set_it_names(tmp_path):
    folder = rules_folder(tmp_path)
    ok = qc("rules", "check", folder / "assign.yaml")
    assert ok.exit_code == 0 and "ok (3 entries: sales, care, zh-default)" in ok.output
    (folder / "teams" / "care.yaml").write_text(CARE.replace("speech-rate", "speech-rat"), encoding="utf-8")
    bad = qc("rules", "check", folder / "assign.yaml")
    assert bad.exit_code == 2 and 'rule "speech-rat": option "enabled": disables a rule' in bad.output
