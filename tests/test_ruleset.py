from pathlib import Path

import pytest
from click.testing import CliRunner

from qc.cli import cli
from qc.errors import RuleConfigError
from qc.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
GOOD_RULE = """
  - id: greeting
    title: Greeting
    points: 10
    check: phrase-required
    options: {phrases: [hello]}
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["zh-default.yaml", "en-default.yaml"])
def test_default_packs_load(name):
    ruleset = load_ruleset(ROOT / "rules" / name)
    assert {"greeting", "closing", "forbidden-phrase", "long-silence"} <= {r.id for r in ruleset.rules}
    assert ruleset.pass_score == 80


def test_options_get_defaults_and_types():
    ruleset = load_ruleset(ROOT / "rules" / "zh-default.yaml")
    silence = next(r for r in ruleset.rules if r.id == "long-silence")
    assert silence.options == {"max_s": 5.0} and isinstance(silence.options["max_s"], float)


@pytest.mark.parametrize("rule_text,fragments", [
    (GOOD_RULE.replace("points: 10", "pionts: 10"), ['rule "greeting"', 'option "pionts"', 'did you mean "points"']),
    (GOOD_RULE.replace("phrase-required", "phrase-requird"), ['option "check"', "unknown check",
                                                              "phrase-required", "found 'phrase-requird'"]),
    (GOOD_RULE.replace("{phrases: [hello]}", "{phrases: hello}"), ['option "phrases"', "a non-empty list of text",
                                                                  "found 'hello'"]),
    (GOOD_RULE.replace("{phrases: [hello]}", "{phrases: [hello], window_s: soon}"), ['option "window_s"',
                                                                                    "a number", "found 'soon'"]),
    (GOOD_RULE.replace("{phrases: [hello]}", "{phrases: [hello], window: middle}"), ["one of call, first, last"]),
    (GOOD_RULE.replace("{phrases: [hello]}", "{}"), ['option "phrases"', "missing option"]),
    (GOOD_RULE.replace("points: 10", "points: -3"), ['option "points"', "a number >= 0"]),
    (GOOD_RULE.replace("points: 10", "points: 10\n    fatal: yes please"), ['option "fatal"', "true or false"]),
    (GOOD_RULE + GOOD_RULE, ["duplicate rule id"]),
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
    check: max-silence
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
    assert ruleset.rules[0].points == 25 and ruleset.rules[0].options["phrases"] == ["hello"]
    assert ruleset.pass_score == 70 and ruleset.name == "team"


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
    assert ok.exit_code == 0 and "ok (4 rules)" in ok.output
    bad = write(tmp_path, "bad.yaml", "rules:" + GOOD_RULE.replace("phrases", "phrase"))
    result = runner.invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and str(bad) in line and 'rule "greeting"' in line and 'option "phrase"' in line


def test_run_with_bad_rules_exits_2_before_touching_audio(tmp_path):
    bad = write(tmp_path, "bad.yaml", "rules:" + GOOD_RULE.replace("points: 10", "points: ten"))
    audio = tmp_path / "missing-model-not-needed.wav"
    audio.write_bytes(b"")
    result = CliRunner().invoke(cli, ["run", str(audio), "--rules", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert 'option "points"' in result.output
    assert not (tmp_path / "out").exists()
