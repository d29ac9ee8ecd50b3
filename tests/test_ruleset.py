from pathlib import Path

import pytest
from click.testing import CliRunner

from qc.cli import cli
from qc.errors import RuleConfigError
from qc.rules.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
GOOD_RULE = """
  - id: greeting
    title: Greeting
    points: 10
    require: {check: keyword, role: agent, any: [hello]}
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["zh-default.yaml", "en-default.yaml"])
def test_default_packs_load(name):
    ruleset = load_ruleset(ROOT / "rules" / name)
    assert {"greeting", "job-number", "closing", "forbidden-phrase", "long-silence", "hold-announced",
            "complaint-apology", "identity-verification", "over-promise", "agent-interruption", "speech-rate",
            "customer-emotion-end"} <= {r.id for r in ruleset.rules}
    assert ruleset.pass_score == 80


def test_options_get_defaults_and_types():
    ruleset = load_ruleset(ROOT / "rules" / "zh-default.yaml")
    silence = next(r for r in ruleset.rules if r.id == "long-silence").forbid
    assert silence.options["min_s"] == 5.0 and isinstance(silence.options["min_s"], float)
    assert silence.options["excuse_within_s"] == 15.0


@pytest.mark.parametrize("rule_text,fragments", [
    (GOOD_RULE.replace("points: 10", "pionts: 10"), ['rule "greeting"', 'option "pionts"', 'did you mean "points"']),
    (GOOD_RULE.replace("check: keyword", "check: keywords"), ['option "require.check"', "unknown check",
                                                               'did you mean "keyword"', "found 'keywords'"]),
    (GOOD_RULE.replace("any: [hello]", "any: hello"), ['option "require.any"', "a non-empty list of text",
                                                       "found 'hello'"]),
    (GOOD_RULE.replace("any: [hello]", "any: [hello], first_s: soon"), ['option "require.first_s"', "a number",
                                                                         "found 'soon'"]),
    (GOOD_RULE.replace("role: agent", "role: boss"), ["one of agent, customer, any", "found 'boss'"]),
    (GOOD_RULE.replace("any: [hello]", "anyy: [hello]"), ['option "require.anyy"', 'did you mean "any"']),
    (GOOD_RULE.replace("any: [hello]", "any: [hello], all: [bye]"), ["exactly one of any, all, none"]),
    (GOOD_RULE.replace("points: 10", "points: -3"), ['option "points"', "a number >= 0"]),
    (GOOD_RULE.replace("points: 10", "points: 10\n    fatal: yes please"), ['option "fatal"', "true or false"]),
    (GOOD_RULE.replace("require:", "forbid: {check: silence}\n    require:"), ["exactly one of require and forbid"]),
    (GOOD_RULE.replace("any: [hello]}", "any: [hello], anchor: {to: complaint}}"),
     ['option "require.anchor.to"', "refers to a missing condition", "found 'complaint'"]),
    (GOOD_RULE.replace("require: {check: keyword, role: agent, any: [hello]}", "require: complaint"),
     ['option "require"', "refers to a missing condition"]),
    (GOOD_RULE.replace("require: {check: keyword, role: agent, any: [hello]}", "require: {most: [a]}"),
     ["one of all, any, not"]),
    (GOOD_RULE.replace("any: [hello]}", "pattern: '('}").replace("keyword", "regex"),
     ["not a valid regular expression"]),
    (GOOD_RULE.replace("any: [hello]}", "any: [hello], exclude: 'how (can'}"), ["exclude is not a valid regular"]),
    (GOOD_RULE.replace("any: [hello]}", "any: [hello], exclude: ['thanks', 'how (can']}"),
     ["exclude is not a valid regular"]),
    (GOOD_RULE.replace("any: [hello]}", "any: [hello], exclude: []}"), ['option "require.exclude"', "text or a non-empty list"]),
    (GOOD_RULE.replace("any: [hello]}", "known: [hello], until: 'is (that'}").replace("keyword", "unlisted-words"),
     ['option "require"', "until is not a valid regular expression"]),
    (GOOD_RULE.replace("any: [hello]}", "known: [hello], min: 0}").replace("keyword", "unlisted-words"),
     ["min and min_letters must be 1 or more"]),
    (GOOD_RULE + GOOD_RULE, ["duplicate rule id"]),
    (GOOD_RULE.replace("any: [hello]}", "any: [hello], by: turns}"), ['option "require.by"', "sentence, turn"]),
    (GOOD_RULE.replace("require: {check: keyword, role: agent, any: [hello]}",
                       "conditions:\n      bye: {check: keyword, any: [bye]}\n"
                       "    require: {check: keyword, any: [hello], by: turn, anchor: {to: bye}}"),
     ['option "require.by"', "takes no anchor"]),
])
def test_mistakes_name_file_rule_option_expected_found(tmp_path, rule_text, fragments):
    path = write(tmp_path, "team.yaml", "name: team\nrules:" + rule_text)
    with pytest.raises(RuleConfigError) as info:
        load_ruleset(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "broken.yaml", "rules:\n  - id: a\n    title: [unclosed\n")
    with pytest.raises(RuleConfigError, match="not valid YAML: line"):
        load_ruleset(path)


def test_extends_overrides_by_id_and_can_disable(tmp_path):
    write(tmp_path, "base.yaml", "name: base\npass_score: 70\nrules:" + GOOD_RULE + """
  - id: quiet
    title: Quiet
    forbid: {check: silence}
""")
    team = write(tmp_path, "team.yaml", """extends: base.yaml
name: team
rules:
  - id: greeting
    points: 25
  - id: quiet
    enabled: false
""")
    ruleset = load_ruleset(team)
    assert [r.id for r in ruleset.rules] == ["greeting"]
    assert ruleset.rules[0].points == 25 and ruleset.rules[0].require.options["any"] == ["hello"]
    assert ruleset.pass_score == 70 and ruleset.name == "team"


def test_extends_finds_the_maintained_packs_from_any_folder(tmp_path):
    """A team's set kept outside rules/ builds on a maintained pack by its name, with or without .yaml."""
    for base in ("zh-default.yaml", "zh-default"):
        team = write(tmp_path, f"team-{base}.yaml", f"extends: {base}\nname: team\nrules:\n"
                                                   "  - id: greeting\n    points: 25\n")
        ruleset = load_ruleset(team)
        assert next(r for r in ruleset.rules if r.id == "greeting").points == 25 and len(ruleset.rules) > 10


def test_extends_prefers_a_file_beside_the_set_and_names_both_folders_when_missing(tmp_path):
    write(tmp_path, "zh-default.yaml", "name: local\nrules:" + GOOD_RULE)
    team = write(tmp_path, "team.yaml", "extends: zh-default.yaml\nrules: []\n")
    assert [r.id for r in load_ruleset(team).rules] == ["greeting"]
    lost = write(tmp_path, "lost.yaml", "extends: nowhere.yaml\nrules: []\n")
    with pytest.raises(RuleConfigError, match=rf"rule set not found in {tmp_path} or .*rules.*'nowhere.yaml'"):
        load_ruleset(lost)


def test_disabling_a_rule_the_base_does_not_have_is_an_error(tmp_path):
    write(tmp_path, "base.yaml", "rules:" + GOOD_RULE)
    typo = write(tmp_path, "team.yaml", "extends: base.yaml\nrules:\n  - id: greting\n    enabled: false\n")
    with pytest.raises(RuleConfigError, match=r'rule "greting": option "enabled": disables a rule base.yaml does '
                                              r'not have \(did you mean "greeting"\?\)'):
        load_ruleset(typo)
    alone = write(tmp_path, "alone.yaml", "rules:\n  - id: greeting\n    enabled: false\n")
    with pytest.raises(RuleConfigError, match="disables a rule this file does not extend"):
        load_ruleset(alone)
    switched_off = write(tmp_path, "off.yaml", "rules:" + GOOD_RULE + "    enabled: false\n")
    assert load_ruleset(switched_off).rules == ()


def test_extends_cycle_is_one_clear_error(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nrules:" + GOOD_RULE)
    write(tmp_path, "b.yaml", "extends: a.yaml\nrules: []\n")
    with pytest.raises(RuleConfigError, match=r"cycle in extends: a.yaml -> b.yaml -> a.yaml"):
        load_ruleset(tmp_path / "a.yaml")


def test_fingerprint_changes_with_points(tmp_path):
    a = load_ruleset(write(tmp_path, "a.yaml", "rules:" + GOOD_RULE))
    b = load_ruleset(write(tmp_path, "b.yaml", "rules:" + GOOD_RULE.replace("points: 10", "points: 11")))
    assert a.fingerprint() != b.fingerprint()


def test_cli_rules_check_ok_and_typo_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["rules", "check", str(ROOT / "rules" / "zh-default.yaml")])
    assert ok.exit_code == 0 and "ok (14 rules)" in ok.output
    bad = write(tmp_path, "bad.yaml", "rules:" + GOOD_RULE.replace("any:", "anyy:"))
    result = runner.invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and str(bad) in line and 'rule "greeting"' in line and 'option "require.anyy"' in line


def test_run_with_bad_rules_exits_2_before_touching_audio(tmp_path):
    bad = write(tmp_path, "bad.yaml", "rules:" + GOOD_RULE.replace("points: 10", "points: ten"))
    audio = tmp_path / "missing-model-not-needed.wav"
    audio.write_bytes(b"")
    result = CliRunner().invoke(cli, ["run", str(audio), "--rules", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert 'option "points"' in result.output
    assert not (tmp_path / "out").exists()


def test_anchor_cycle_is_one_clear_error(tmp_path):
    path = write(tmp_path, "cycle.yaml", """rules:
  - id: loop
    title: Loop
    conditions:
      a: {check: keyword, any: [x], anchor: {to: b}}
      b: {check: keyword, any: [y], anchor: {to: a}}
    require: a
""")
    with pytest.raises(RuleConfigError, match="cycle: a -> b -> a"):
        load_ruleset(path)


def test_named_condition_may_be_an_expression(tmp_path):
    path = write(tmp_path, "named.yaml", """rules:
  - id: apology
    title: Apology
    conditions:
      complaint: {any: [{check: keyword, role: customer, any: [投诉]}, {check: keyword, role: customer, any: [太差]}]}
    applies_when: complaint
    require: {check: keyword, role: agent, any: [抱歉], anchor: {to: complaint, relation: after}}
""")
    from qc.rules.ruleset import uses_check

    ruleset = load_ruleset(path)
    assert uses_check(ruleset, "keyword") and not uses_check(ruleset, "similarity")


def test_site_file_and_company_option_fill_the_company_variable_and_the_prompt(tmp_path):
    from qc.rules.ruleset import load_rulesets
    from qc.run.prompts import site_prompts

    site = tmp_path / "site.yaml"
    site.write_text("company: [星河通信]\n", encoding="utf-8")
    rulesets = load_rulesets(None, site, {"company": ("Galaxy Telecom",)})
    assert dict(rulesets["zh"].variables)["company"] == ("星河通信", "Galaxy Telecom")
    prompts = dict(site_prompts("auto", rulesets))
    assert "星河通信" in prompts["zh"] and "Galaxy Telecom" in prompts["en"]
    assert "company" not in dict(load_rulesets()["zh"].variables)


def test_a_typo_in_a_rule_variable_is_a_rule_error(tmp_path):
    from qc.errors import RuleConfigError

    bad = tmp_path / "bad.yaml"
    bad.write_text('rules:\n  - id: g\n    title: G\n    require: {check: keyword, any: ["{compnay}"]}\n',
                   encoding="utf-8")
    with pytest.raises(RuleConfigError, match="unknown variable"):
        load_ruleset(bad)


@pytest.mark.parametrize("name,first", [("Dana Whitfield", ("Dana",)), ("Mary Ann Lee", ("Mary",)),
                                        ("周敏", None), ("Dana", None), ("", None)])
def test_a_manifest_name_of_two_words_gives_the_first_name(name, first):
    from qc.rules.variables import call_variables
    from qc.schema import CallMeta

    variables = call_variables({}, CallMeta(call_id="c", path="", agent_name=name))
    assert variables.get("agent_first_name") == first
    assert variables.get("agent_name") == ((name,) if name else None)
