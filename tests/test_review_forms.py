"""Review and scoring forms together: the reviewed score counts a call's decided statuses with the
form the call was scored by (bonuses, per-hit deductions and their caps, weighted sections, the
set's pass mark), and the pages and tables show the rule set beside the reviewed score."""

from __future__ import annotations

import csv
import json

import pytest

from qc.report import ReportOptions, write_outputs
from qc.rules.casefile import call_from_case
from qc.rules.providers import CheckModels
from qc.rules.review import apply_review, empty_review, finding_key, reviewed_score, stored_form
from qc.rules.ruleset import load_ruleset
from qc.rules.scoring import score_call
from qc.run.review_actions import Actor, Reviews
from qc.run.store import Store
from qc.schema import analysis_to_dict, score_to_dict

from test_forms import GREET, RUDE, RUDE_CALL, THANK, pack

SECTIONS = ("pass_score: 90\nsections:\n  - {id: opening, title: 开场, weight: 30}\n"
            "  - {id: handling, title: 处理, weight: 70}\n")
FORM = (SECTIONS, GREET.format(extra="section: opening"), THANK.format(extra="bonus: 5\n    section: opening"),
        RUDE.format(points=3, extra="per_hit: 2\n    max_deduction: 6\n    section: handling"))
# greeting missed (-10) and thanks given (+5): opening 95; two rude phrases, 3 + 2 x 2 capped at 6: handling 94
CALL = ("agent 0 1 喂", *RUDE_CALL[:3], "agent 9 10 谢谢")
REVIEWER = Actor("张审核", "reviewer")


def scored(tmp_path, form=FORM, lines=CALL) -> dict:
    """A call scored by a form, as the database keeps it (through JSON)."""
    call = call_from_case({"name": "c", "transcript": "\n".join(lines)})
    result = score_call(call, load_ruleset(pack(tmp_path, *form)), CheckModels())
    return json.loads(json.dumps(score_to_dict(result)))


def review(detail: dict, findings=(), rules=None, items=()) -> dict:
    by_id = {r["rule_id"]: r for r in detail["rules"]}
    return {**empty_review(), "items": [{"points": p} for p in items],
            "rules": {rule_id: {"status": status, "machine_status": by_id[rule_id]["status"]}
                      for rule_id, status in (rules or {}).items()},
            "findings": {rule_id: {"decision": "false_positive", "finding_key": finding_key(by_id[rule_id])}
                         for rule_id in findings}}


def reviewed(detail: dict, state: dict) -> dict:
    return apply_review(detail["rules"], detail["score"], detail["passed"], state, None, detail["form"])


@pytest.mark.parametrize("form,lines", [
    (FORM, CALL),
    (FORM, ("agent 0 1 您好", "agent 2 3 好的")),  # nothing to deduct, the bonus not earned: sections at 100
    (("", GREET.format(extra=""), THANK.format(extra="bonus: 5")), ("agent 0 1 您好", "agent 2 3 谢谢")),  # capped
    (("max_score: 110\n", GREET.format(extra=""), THANK.format(extra="bonus: 5")),
     ("agent 0 1 您好", "agent 2 3 谢谢")),
    (("", RUDE.format(points=0, extra="per_hit: 2\n    max_deduction: 5")), RUDE_CALL),
    (("", GREET.format(extra="fatal: true"), THANK.format(extra="bonus: 5")), ("agent 0 1 喂", "agent 2 3 谢谢")),
    (("sections:\n  - {id: a, weight: 1}\n  - {id: b, weight: 3}\n", GREET.format(extra="section: a"),
      "  - id: apology\n    title: Apology\n    points: 50\n    section: b\n"
      "    applies_when: {check: keyword, role: customer, any: [投诉]}\n"
      "    require: {check: keyword, role: agent, any: [抱歉]}\n"), ("agent 0 1 喂", "customer 2 3 好的")),
])
def test_the_reviewed_score_with_no_human_change_is_the_forms_own_machine_score(tmp_path, form, lines):
    detail = scored(tmp_path, form, lines)
    assert reviewed_score(detail["rules"], [], detail["form"])[0] == detail["score"]  # the form, counted again
    got = reviewed(detail, empty_review())
    assert (got["score"], got["passed"], got["changed"], got["sections"]) == (detail["score"], detail["passed"], False,
                                                                               None)


def test_the_machine_score_of_the_form_call(tmp_path):
    detail = scored(tmp_path)
    assert [s[3] for s in detail["sections"]] == [95.0, 94.0] and detail["score"] == 94.3 and detail["passed"]
    assert detail["form"]["pass_score"] == 90 and detail["form"]["rules"]["rude"] == {
        "bonus": 0.0, "per_hit": 2.0, "max_deduction": 6.0}


@pytest.mark.parametrize("lines,decisions,score,subtotals", [
    (CALL, {"findings": ["rude"]}, 98.5, [95.0, 100.0]),  # a false positive: the handling section is whole again
    (CALL, {"rules": {"thank": "fail"}}, 92.8, [90.0, 94.0]),  # the thanks failed by a reviewer: no bonus
    (CALL, {"rules": {"greet": "pass"}}, 95.8, [100.0, 94.0]),  # 100 - 0 + 5, capped at the maximum
    (("agent 0 1 喂", "agent 9 10 谢谢"), {"rules": {"rude": "fail"}}, 95.0, [95.0, 95.0]),  # 3 + one hit of 2
    (("agent 0 1 喂", "agent 9 10 再见"), {"rules": {"thank": "pass"}}, 98.5, [95.0, 100.0]),  # the bonus earned
    (CALL, {"items": [-7]}, 87.3, [95.0, 94.0]),  # items on the weighted score; below the set's mark of 90
])
def test_human_changes_are_counted_by_the_calls_form(tmp_path, lines, decisions, score, subtotals):
    detail = scored(tmp_path, lines=lines)
    got = reviewed(detail, review(detail, **decisions))
    assert got["changed"] and got["score"] == score and [s["score"] for s in got["sections"]] == subtotals
    assert got["passed"] == (score >= 90)  # the form's pass mark, not the default 80


def test_a_score_stored_without_its_form_is_counted_by_the_sections_it_names(tmp_path):
    detail = scored(tmp_path)
    del detail["form"]  # stored by a version that kept the subtotals only
    got = apply_review(detail["rules"], detail["score"], detail["passed"], review(detail, findings=["rude"]), None,
                       stored_form(detail))
    assert got["score"] == 98.5 and [s["score"] for s in got["sections"]] == [95.0, 100.0]


def test_a_reviewed_form_call_in_the_store_on_its_page_and_in_results_csv(tmp_path):
    """Through the review actions (as qc serve and qc review import use them) and the report."""
    store = Store(tmp_path / "qc.sqlite")
    ruleset = load_ruleset(pack(tmp_path, *FORM))
    call = call_from_case({"name": "F1", "transcript": "\n".join(CALL),
                           "call": {"agent_id": "A1", "team": "sales", "started_at": "2026-11-21T09:00:00"}})
    store.mark_processing("F1", call.meta)
    store.save_ok("F1", analysis_to_dict(call), score_to_dict(score_call(call, ruleset, CheckModels())),
                  ruleset.fingerprint(), 1.0)
    [row] = store.latest_calls()
    rude = next(r for r in row["score_detail"]["rules"] if r["rule_id"] == "rude")
    state = Reviews(store.db).decide_finding(REVIEWER, row["call_uid"], "rude", finding_key(rude), "false_positive")
    assert (state["score"], state["machine_score"]) == (98.5, 94.3)
    out = tmp_path / "out"
    write_outputs(store.latest_calls(), out, options=ReportOptions(audio="none"))
    page = next((out / "calls").glob("F1-*.html")).read_text(encoding="utf-8")
    assert "98.5" in page and "94.3" in page and ruleset.fingerprint()[:8] in page  # reviewed, machine, version
    with open(out / "results.csv", encoding="utf-8-sig", newline="") as f:
        [result] = list(csv.DictReader(f))
    assert (result["score"], result["reviewed_score"], result["review"]) == ("94.3", "98.5", "open")
    assert (result["rule_set"], result["rule_set_version"]) == ("form", ruleset.fingerprint())
    assert result["sections"] == "opening=95.0;handling=94.0"  # the machine's subtotals
