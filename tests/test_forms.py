"""Scoring forms: per-hit deductions with a cap, bonuses, weighted sections, and their checks."""

import hashlib
import json
from pathlib import Path

import pytest

from qc.errors import RuleConfigError
from qc.rules.casefile import call_from_case
from qc.rules.providers import CheckModels
from qc.rules.ruleset import load_ruleset
from qc.rules.scoring import score_call
from qc.schema import score_from_dict, score_to_dict

ROOT = Path(__file__).resolve().parent.parent
RUDE = "  - id: rude\n    title: Rude\n    points: {points}\n    {extra}\n" \
       "    forbid: {{check: keyword, role: agent, any: [不知道, 不归我管, 自己去]}}\n"
GREET = "  - id: greet\n    title: Greet\n    points: 10\n    {extra}\n" \
        "    require: {{check: keyword, role: agent, any: [您好]}}\n"
THANK = "  - id: thank\n    title: Thank\n    points: 0\n    {extra}\n" \
        "    require: {{check: keyword, role: agent, any: [谢谢]}}\n"


def pack(tmp_path, head: str, *rules: str) -> Path:
    path = tmp_path / "form.yaml"
    path.write_text(head + "rules:\n" + "".join(rules), encoding="utf-8")
    return path


def score(path: Path, *lines: str):
    call = call_from_case({"name": "c", "transcript": "\n".join(lines)})
    return score_call(call, load_ruleset(path), CheckModels())


RUDE_CALL = ("agent 0.5 2.0 我不知道", "customer 2.5 4.0 那怎么办", "agent 4.5 6.0 不归我管",
             "agent 6.5 8.0 你自己去营业厅吧")


@pytest.mark.parametrize("lines,deducted", [(RUDE_CALL, 5.0), (RUDE_CALL[:3], 4.0), (RUDE_CALL[:1], 2.0)])
def test_per_hit_deducts_for_each_finding_up_to_the_cap(tmp_path, lines, deducted):
    path = pack(tmp_path, "", RUDE.format(points=0, extra="per_hit: 2\n    max_deduction: 5"))
    result = score(path, *lines)
    [rude] = result.rules
    assert rude.status == "fail" and rude.points == deducted and result.score == 100 - deducted


def test_points_and_per_hit_add_up_and_without_a_cap_every_hit_counts(tmp_path):
    path = pack(tmp_path, "", RUDE.format(points=3, extra="per_hit: 2"))
    assert score(path, *RUDE_CALL).score == 100 - (3 + 3 * 2)


def test_a_bonus_is_added_when_the_rule_passes_and_the_score_stops_at_the_maximum(tmp_path):
    rules = (GREET.format(extra=""), THANK.format(extra="bonus: 5"))
    capped = pack(tmp_path, "", *rules)
    assert score(capped, "agent 0 1 您好", "agent 2 3 谢谢").score == 100  # 100 + 5, capped at 100
    assert score(capped, "agent 0 1 喂", "agent 2 3 谢谢").score == 95  # greeting lost 10, thanks earned 5
    assert score(capped, "agent 0 1 喂", "agent 2 3 再见").score == 90
    [_, thank] = score(capped, "agent 0 1 喂", "agent 2 3 谢谢").rules
    assert thank.bonus == 5
    above = pack(tmp_path, "max_score: 110\n", *rules)
    assert score(above, "agent 0 1 您好", "agent 2 3 谢谢").score == 105


def test_sections_are_scored_on_their_own_and_weighted(tmp_path):
    head = ("sections:\n  - {id: opening, title: 开场, weight: 30}\n  - {id: handling, title: 处理, weight: 70}\n")
    path = pack(tmp_path, head, GREET.format(extra="section: opening").replace("points: 10", "points: 20"),
                RUDE.format(points=40, extra="section: handling"))
    result = score(path, "agent 0 1 喂", "agent 2 3 好的")
    # opening: 100 - 20 = 80; handling: 100; (30 * 80 + 70 * 100) / 100
    assert result.sections == (("opening", "开场", 30.0, 80.0), ("handling", "处理", 70.0, 100.0))
    assert result.score == 94.0
    result = score(path, "agent 0 1 喂", "agent 2 3 我不知道")
    assert [s[3] for s in result.sections] == [80.0, 60.0] and result.score == 66.0  # (2400 + 4200) / 100
    assert score_from_dict(json.loads(json.dumps(score_to_dict(result)))) == result


def test_a_section_whose_rules_were_all_na_leaves_its_weight_out(tmp_path):
    head = "sections:\n  - {id: a, weight: 1}\n  - {id: b, weight: 3}\n"
    only_complaints = ("  - id: apology\n    title: Apology\n    points: 50\n    section: b\n"
                       "    applies_when: {check: keyword, role: customer, any: [投诉]}\n"
                       "    require: {check: keyword, role: agent, any: [抱歉]}\n")
    path = pack(tmp_path, head, GREET.format(extra="section: a"), only_complaints)
    result = score(path, "agent 0 1 喂", "customer 2 3 好的")
    assert result.sections[1][3] is None and result.score == 90.0


def test_a_failed_fatal_rule_still_makes_the_score_0(tmp_path):
    path = pack(tmp_path, "", GREET.format(extra="fatal: true"), THANK.format(extra="bonus: 5"))
    assert score(path, "agent 0 1 喂", "agent 2 3 谢谢").score == 0


@pytest.mark.parametrize("head,extra,message", [
    ("", "max_deduction: 5", 'option "max_deduction": caps per_hit deductions; the rule has no per_hit'),
    ("", "bonus: -1", 'option "bonus": invalid value: expected a number >= 0'),
    ("", "section: opening", 'option "section": unknown section: expected one of \\(the set has no sections:\\)'),
    ("sections:\n  - {id: opening, weight: 1}\n", "", 'option "section": missing: the set has sections'),
    ("sections:\n  - {id: opening, weight: 1}\n", "section: openin", 'unknown section \\(did you mean "opening"\\?\\)'),
    ("sections:\n  - {id: opening, weight: 0}\n", "section: opening", 'option "sections.opening.weight"'),
    ("sections:\n  - {id: opening, wieght: 1}\n", "section: opening", 'unknown key \\(did you mean "weight"\\?\\)'),
])
def test_form_mistakes_are_one_line_naming_file_rule_and_option(tmp_path, head, extra, message):
    path = pack(tmp_path, head, GREET.format(extra=extra))
    with pytest.raises(RuleConfigError, match=message):
        load_ruleset(path)


def test_a_set_without_form_keys_keeps_its_fingerprint_so_stored_calls_are_not_rescored():
    """The fingerprint of the maintained packs is what it was before scoring forms existed."""
    ruleset = load_ruleset(ROOT / "rules" / "zh-default.yaml")
    before = [ruleset.pass_score] + [r.source for r in ruleset.rules]  # (and the variables, none here)
    expected = hashlib.sha256(json.dumps(before, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    assert ruleset.fingerprint() == expected[:16]
