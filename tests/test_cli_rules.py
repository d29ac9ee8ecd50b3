"""qc rules list / test and qc score, through the CLI."""

import json
from pathlib import Path

from click.testing import CliRunner

from qc.cli import cli
from qc.rules.providers import CheckModels
from qc.run.pipeline import RunSettings, run_batch
from qc.sources.audio import AudioSettings, AudioSource
from qc.rules.ruleset import load_ruleset
from qc.schema import CallMeta
from qc.run.store import Store

from helpers import call_file, tone, write_wav
from test_pipeline import ScriptedTranscriber

ROOT = Path(__file__).resolve().parent.parent


def test_rules_list_shows_ids_points_and_titles():
    result = CliRunner().invoke(cli, ["rules", "list", str(ROOT / "rules" / "zh-default.yaml")])
    assert result.exit_code == 0
    assert "forbidden-phrase" in result.output and "服务禁语" in result.output and " 20 " in result.output


def test_rules_test_runs_author_cases_against_a_rule_set(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text(f"""rules: {ROOT / 'rules' / 'zh-default.yaml'}
cases:
  - name: polite agent
    rule: forbidden-phrase
    transcript: |
      agent 0.5 3.0 您好，我帮您查一下
    expect: pass
  - name: this expectation is wrong on purpose
    rule: forbidden-phrase
    transcript: |
      agent 0.5 3.0 这个我不知道
    expect: pass
""", encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "test", str(cases)])
    assert result.exit_code == 1
    assert "1 passed, 1 failed" in result.output and "FAIL" in result.output and "expected pass, got fail" in result.output


def test_rules_test_unknown_rule_is_a_config_error(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text(f"rules: {ROOT / 'rules' / 'zh-default.yaml'}\ncases:\n  - name: x\n    rule: nope\n"
                     "    transcript: 'agent 0 1 hi'\n    expect: pass\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "test", str(cases)])
    assert result.exit_code == 2 and "unknown rule id" in result.output


def test_project_cases_run_through_the_cli():
    result = CliRunner().invoke(cli, ["rules", "test", *map(str, sorted((ROOT / "tests" / "cases").glob("*.yaml")))])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_score_rescored_stored_calls_with_an_edited_rule_set(tmp_path):
    audio = write_wav(tmp_path / "a.wav", [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.1)])
    db = tmp_path / "out" / "qc.sqlite"
    store = Store(db)
    source = AudioSource(AudioSettings(), ScriptedTranscriber)
    run_batch([CallMeta("a", str(audio), "A1", started_at="2026-11-21T09:00:00")], RunSettings(), store,
              {"audio": source}, lambda meta: load_ruleset(ROOT / "rules" / "zh-default.yaml"), CheckModels())
    edited = tmp_path / "strict.yaml"
    edited.write_text(f"extends: {ROOT / 'rules' / 'zh-default.yaml'}\nname: strict\nrules:\n"
                      "  - id: greeting\n    points: 40\n"
                      "    require: {check: keyword, role: agent, first_s: 15, any: [早上好]}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", "--rules", str(edited), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "re-scored 1 calls" in result.output
    doc = json.loads((tmp_path / "out" / call_file(tmp_path / "out", "a", "json")).read_text(encoding="utf-8"))
    greeting = next(r for r in doc["rules"] if r["rule_id"] == "greeting")
    assert greeting["status"] == "fail" and greeting["points"] == 40
    later = CliRunner().invoke(cli, ["score", "--rules", str(edited), "--db", str(db), "--since", "2026-12-01"])
    assert "re-scored 0 calls" in later.output


def test_score_without_database_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["score", "--db", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2 and "no database" in result.output
