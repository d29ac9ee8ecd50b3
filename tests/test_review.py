"""Review and appeal in the store: the reviewed score, roles, the audit trail, re-scoring, retention.

The calls are test_report's sample calls; zh-bad (agent 小李, A1000) scores 45 with six findings:
greeting 10, job-number 5, closing 10, forbidden-phrase 20, long-silence 5, hold-announced 5.
"""

from __future__ import annotations

import copy

import pytest

from qc.errors import ReviewError
from qc.rules.review import apply_review, finding_key
from qc.run.review_actions import Actor, Reviews
from qc.run.store import Store
from test_report import make_store

REVIEWER, LEAD, AGENT = Actor("张审核", "reviewer"), Actor("陈主管", "qa_lead"), Actor("小李", "agent")


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "qc.sqlite")


def call(store: Store, call_id: str) -> dict:
    return next(r for r in store.latest_calls() if r["call_id"] == call_id)


def key(row: dict, rule_id: str) -> str:
    return finding_key(next(r for r in row["score_detail"]["rules"] if r["rule_id"] == rule_id))


def rules(*spec) -> list[dict]:
    return [{"rule_id": rid, "status": status, "points": points, "fatal": fatal,
             "evidence": [{"start_s": 1.0, "end_s": 2.0, "text": rid}] if status == "fail" else []}
            for rid, status, points, fatal in spec]


# -- the reviewed score (pure) ---------------------------------------------------------------


def test_without_human_changes_the_machine_score_stands():
    got = apply_review(rules(("a", "fail", 10, False)), 90.0, True, None, 80)
    assert (got["score"], got["passed"], got["changed"]) == (90.0, True, False)


def test_a_false_positive_a_rule_status_and_items_change_the_score():
    spec = rules(("a", "fail", 30, False), ("b", "pass", 10, False), ("c", "pass", 5, True))
    review = {"status": "open", "signed_by": None, "signed_at": None, "appeals": [], "audit": [],
              "findings": {"a": {"decision": "false_positive", "finding_key": finding_key(spec[0])}},
              "rules": {"b": {"status": "fail", "machine_status": "pass"}}, "items": [{"points": 2.5}]}
    got = apply_review(spec, 70.0, False, review, 80)
    assert [r["status"] for r in got["rules"]] == ["pass", "fail", "pass"]
    assert [r["decided_by"] for r in got["rules"]] == ["finding", "rule", "machine"]
    assert (got["score"], got["passed"], got["machine_score"]) == (92.5, True, 70.0)
    review["rules"]["c"] = {"status": "fail", "machine_status": "pass"}  # a fatal rule failed by a reviewer
    assert apply_review(spec, 70.0, False, review, 80)["score"] == 0.0


def test_an_accepted_appeal_outranks_a_reviewer_and_changed_evidence_is_flagged_not_applied():
    spec = rules(("a", "fail", 30, False))
    appeal = {"rule_id": "a", "finding_key": finding_key(spec[0]), "status": "accepted", "closed": False}
    review = {"status": "open", "signed_by": None, "signed_at": None, "audit": [], "items": [],
              "findings": {}, "rules": {"a": {"status": "fail", "machine_status": "fail"}}, "appeals": [appeal]}
    assert apply_review(spec, 70.0, False, review)["score"] == 100.0
    moved = copy.deepcopy(spec)
    moved[0]["evidence"][0]["start_s"] = 1.5  # re-scored: the evidence is another sentence
    got = apply_review(moved, 70.0, False, review)
    assert got["score"] == 70.0 and got["rules"][0]["flags"] == ["evidence_changed"] and got["flagged"] == 1


# -- actions in the store ----------------------------------------------------------------------


def test_false_positive_appeal_accept_and_close_with_an_audit_row_each(store):
    row = call(store, "zh-bad")
    uid, reviews = row["call_uid"], Reviews(store.db)
    assert reviews.decide_finding(REVIEWER, uid, "forbidden-phrase", key(row, "forbidden-phrase"),
                                  "false_positive", "客户的原话")["score"] == 65.0
    assert reviews.file_appeal(AGENT, uid, "long-silence", key(row, "long-silence"), "我说了请稍等")["score"] == 65.0
    appeal_id = reviews.state(uid)["appeals"][0]["id"]
    assert reviews.decide_appeal(LEAD, uid, appeal_id, True, "同意")["score"] == 70.0
    reviews.close_appeal(LEAD, uid, appeal_id, "申诉成立")
    reviews.add_item(REVIEWER, uid, -3, "语气生硬")
    reviews.sign(REVIEWER, uid)
    store.close()
    reopened = call(Store(store.path), "zh-bad")  # everything is in the database
    audit = reopened["review"]["audit"]
    assert [a["action"] for a in audit] == ["finding", "appeal_filed", "appeal_accepted", "appeal_closed",
                                            "item_added", "signed"]
    assert [(a["actor"], a["role"]) for a in audit[:3]] == [("张审核", "reviewer"), ("小李", "agent"),
                                                             ("陈主管", "qa_lead")]
    assert (audit[0]["before"]["score"], audit[0]["after"]["score"]) == (45.0, 65.0)
    assert audit[0]["before"]["decision"] is None and audit[0]["after"]["decision"] == "false_positive"
    assert audit[2]["after"] == {"appeal": "accepted", "id": appeal_id, "score": 70.0, "passed": False}
    got = apply_review(reopened["score_detail"]["rules"], reopened["score"], reopened["passed"], reopened["review"])
    assert (got["score"], got["machine_score"], got["status"]) == (67.0, 45.0, "signed")
    assert reopened["score"] == 45.0  # the machine's score is kept as it was


@pytest.mark.parametrize("actor,action", [
    (AGENT, lambda r, uid, k: r.decide_finding(AGENT, uid, "greeting", k, "false_positive")),
    (REVIEWER, lambda r, uid, k: r.file_appeal(REVIEWER, uid, "greeting", k, "no")),
    (Actor("王芳", "agent"), lambda r, uid, k: r.file_appeal(Actor("王芳", "agent"), uid, "greeting", k, "not mine")),
    (REVIEWER, lambda r, uid, k: r.decide_finding(REVIEWER, uid, "greeting", k + "x", "confirmed")),
    (REVIEWER, lambda r, uid, k: r.set_rule_status(REVIEWER, uid, "greeting", "pass", " ")),
    (REVIEWER, lambda r, uid, k: r.add_item(REVIEWER, uid, 0, "nothing")),
])
def test_what_a_role_or_a_stale_page_may_not_do_is_refused_and_leaves_no_trace(store, actor, action):
    row = call(store, "zh-bad")
    with pytest.raises(ReviewError):
        action(Reviews(store.db), row["call_uid"], key(row, "greeting"))
    assert store.db.execute("SELECT COUNT(*) FROM review_audit").fetchone()[0] == 0
    assert store.db.execute("SELECT COUNT(*) FROM review_decisions").fetchone()[0] == 0


def test_appeals_need_a_lead_and_a_decision_before_the_ruling(store):
    row = call(store, "zh-bad")
    uid, reviews = row["call_uid"], Reviews(store.db)
    reviews.file_appeal(AGENT, uid, "closing", key(row, "closing"), "我说了再见")
    appeal_id = reviews.state(uid)["appeals"][0]["id"]
    with pytest.raises(ReviewError, match="a QA lead"):
        reviews.decide_appeal(REVIEWER, uid, appeal_id, True)
    with pytest.raises(ReviewError, match="accept or reject"):
        reviews.close_appeal(LEAD, uid, appeal_id, "done")
    with pytest.raises(ReviewError, match="not closed"):
        reviews.file_appeal(AGENT, uid, "closing", key(row, "closing"), "again")
    assert reviews.decide_appeal(LEAD, uid, appeal_id, False, "没有结束语")["score"] == 45.0


def test_the_same_decision_twice_writes_once_and_a_change_reopens_a_signed_review(store):
    row = call(store, "zh-bad")
    uid, reviews = row["call_uid"], Reviews(store.db)
    for _ in range(2):
        reviews.decide_finding(REVIEWER, uid, "greeting", key(row, "greeting"), "confirmed", "没有问候")
    reviews.sign(LEAD, uid)
    state = reviews.set_rule_status(REVIEWER, uid, "speech-rate", "fail", "太快")
    assert state["status"] == "open" and state["score"] == 40.0
    actions = [r[0] for r in store.db.execute("SELECT action FROM review_audit ORDER BY id")]
    assert actions == ["finding", "signed", "rule_status"]
    assert reviews.set_rule_status(REVIEWER, uid, "speech-rate", "machine", "误判")["score"] == 45.0


def test_rescoring_keeps_decisions_on_the_same_evidence_and_flags_changed_evidence(store):
    row = call(store, "zh-bad")
    uid, reviews = row["call_uid"], Reviews(store.db)
    reviews.decide_finding(REVIEWER, uid, "forbidden-phrase", key(row, "forbidden-phrase"), "false_positive")
    reviews.decide_finding(REVIEWER, uid, "long-silence", key(row, "long-silence"), "false_positive")
    detail = copy.deepcopy(row["score_detail"])
    store.save_score(row["call_key"], detail, "same rules again")
    assert reviews.state(uid)["score"] == 70.0
    silence = next(r for r in detail["rules"] if r["rule_id"] == "long-silence")
    silence["evidence"][0]["end_s"] += 1.0  # new rules: the silence is measured otherwise
    store.save_score(row["call_key"], detail, "new rules")
    state = reviews.state(uid)
    assert state["score"] == 65.0 and state["flagged"] == 1
    flagged = next(r for r in state["rules"] if r["rule_id"] == "long-silence")
    assert flagged["flags"] == ["evidence_changed"] and flagged["decision"]["decision"] == "false_positive"


def test_purging_a_call_drops_its_review(store):
    row = call(store, "markup")  # started on the 20th, before the others
    Reviews(store.db).add_item(REVIEWER, row["call_uid"], 5, "good save")
    assert store.purge_before("2026-11-21") == 3
    assert store.db.execute("SELECT COUNT(*) FROM review_items").fetchone()[0] == 0
    assert store.db.execute("SELECT COUNT(*) FROM review_audit").fetchone()[0] == 0


# -- the static pages show the reviewed score ----------------------------------------------------


def test_the_static_report_shows_the_reviewed_score_and_keeps_the_machines(store, tmp_path):
    import json

    from qc.report import ReportOptions, write_outputs
    from helpers import call_file

    out = tmp_path / "out"
    write_outputs(store.latest_calls(), out, options=ReportOptions(audio="none"))
    page = out / call_file(out, "zh-bad")
    assert "复核得分" not in page.read_text(encoding="utf-8") and "尚未人工复核" in page.read_text(encoding="utf-8")
    row = call(store, "zh-bad")
    Reviews(store.db).decide_finding(REVIEWER, row["call_uid"], "forbidden-phrase", key(row, "forbidden-phrase"),
                                     "false_positive", "客户的原话")
    write_outputs(store.latest_calls(), out, options=ReportOptions(audio="none"))  # only what changed is written
    html = page.read_text(encoding="utf-8")
    assert "复核得分 65" in html and "机器评分 45" in html and "张审核：误判: 客户的原话" in html
    assert 'class="finding overturned"' in html
    doc = json.loads((out / call_file(out, "zh-bad", "json")).read_text(encoding="utf-8"))
    assert doc["score"] == 45.0 and doc["review"]["score"] == 65.0
    assert doc["review"]["decisions"][0]["finding"]["decision"] == "false_positive"
    agent = (out / "agents" / "A1000.html").read_text(encoding="utf-8")
    assert ">82.5<" in agent  # the agent's mean over 100 and the reviewed 65


# -- qc review export | import -----------------------------------------------------------------------


def sheet_rows(path) -> list[dict]:
    import csv

    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def write_sheet(path, rows, encoding="utf-8-sig") -> None:
    import csv

    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_a_sheet_exported_filled_in_and_imported_is_a_review_with_its_audit(store, tmp_path):
    from click.testing import CliRunner

    from qc.cli import cli

    runner, sheet, db = CliRunner(), tmp_path / "reviews.csv", str(store.path)
    result = runner.invoke(cli, ["review", "export", str(sheet), "--db", db, "--agent", "A1000"])
    assert result.exit_code == 0 and sheet.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = sheet_rows(sheet)
    assert {r["call_id"] for r in rows} == {"zh-good", "zh-bad"} and len(rows) == 2 * 13
    bad = {r["rule_id"]: r for r in rows if r["call_id"] == "zh-bad"}
    assert bad["forbidden-phrase"]["finding_key"] and not bad["greeting"]["decision"]
    bad["forbidden-phrase"].update(decision="false_positive", comment="=客户原话")  # a formula-like comment
    bad["speech-rate"].update(new_status="fail", comment="语速过快")
    item = {**bad["greeting"], **dict.fromkeys(("rule_id", "title", "finding_key", "decision", "new_status"), ""),
            "points": "-2", "comment": "结束语生硬"}
    write_sheet(sheet, [*rows, item], encoding="gb18030")  # as Excel saves it on a Chinese Windows
    result = runner.invoke(cli, ["review", "import", str(sheet), "--db", db, "--reviewer", "王审核"])
    assert result.exit_code == 0, result.output
    assert "3 rows changed reviews" in result.output
    state = Reviews(store.db).state(bad["greeting"]["call_uid"])
    assert state["score"] == 65.0 - 5 - 2  # false positive +20, speech rate -5, item -2
    assert [(a["actor"], a["after"].get("via")) for a in state["audit"]] == [("王审核", "import")] * 3
    assert state["audit"][0]["comment"] == "=客户原话"
    result = runner.invoke(cli, ["review", "import", str(sheet), "--db", db, "--reviewer", "王审核"])
    assert "0 rows changed reviews" in result.output  # the same sheet again: nothing new
    runner.invoke(cli, ["review", "export", str(sheet), "--db", db, "--agent", "A1000", "--findings-only"])
    again = {r["rule_id"] or "item": r for r in sheet_rows(sheet) if r["call_id"] == "zh-bad"}
    assert again["forbidden-phrase"]["decision"] == "false_positive" and again["forbidden-phrase"]["comment"] == "'=客户原话"
    assert float(again["item"]["points"]) == -2 and again["item"]["decided_by"] == "王审核" and "speech-rate" not in again


def test_an_imported_decision_on_evidence_that_changed_since_the_export_is_refused(store, tmp_path):
    from click.testing import CliRunner

    from qc.cli import cli

    sheet, db = tmp_path / "reviews.csv", str(store.path)
    CliRunner().invoke(cli, ["review", "export", str(sheet), "--db", db, "--findings-only"])
    rows = sheet_rows(sheet)
    target = next(r for r in rows if r["call_id"] == "zh-bad" and r["rule_id"] == "long-silence")
    target.update(decision="false_positive", reviewer="王审核")
    row = call(store, "zh-bad")
    detail = copy.deepcopy(row["score_detail"])
    next(r for r in detail["rules"] if r["rule_id"] == "long-silence")["evidence"][0]["end_s"] += 1.0
    store.save_score(row["call_key"], detail, "new rules")
    write_sheet(sheet, rows)
    result = CliRunner().invoke(cli, ["review", "import", str(sheet), "--db", db])
    assert result.exit_code == 1 and "evidence changed since" in result.output and "1 refused" in result.output


def test_qc_score_with_new_rules_keeps_decisions_and_flags_those_whose_evidence_changed(store, tmp_path):
    from click.testing import CliRunner

    from qc.cli import cli
    from qc.rules.ruleset import RULES_DIR
    from helpers import call_file

    row = call(store, "zh-bad")
    uid, reviews = row["call_uid"], Reviews(store.db)
    reviews.decide_finding(REVIEWER, uid, "forbidden-phrase", key(row, "forbidden-phrase"), "false_positive")
    reviews.decide_finding(REVIEWER, uid, "greeting", key(row, "greeting"), "confirmed", "没有问候")
    rules = tmp_path / "zh-strict.yaml"  # one phrase less: the finding keeps two of its three sentences
    rules.write_text(f"""name: zh-strict
language: zh
extends: {RULES_DIR / 'zh-default.yaml'}
rules:
  - id: forbidden-phrase
    title: 服务禁语
    category: compliance
    severity: critical
    points: 20
    forbid: {{check: keyword, role: agent, any: [不知道, 你自己去]}}
""", encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", "--db", str(store.path), "--rules", str(rules), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "1 reviewed calls have decisions on findings that changed, flagged on their pages: zh-bad" in result.output
    state = reviews.state(uid)
    greeting, forbidden = (next(r for r in state["rules"] if r["rule_id"] == rule_id)
                           for rule_id in ("greeting", "forbidden-phrase"))
    assert greeting["decision"]["decision"] == "confirmed" and greeting["flags"] == []  # same evidence: kept
    assert forbidden["flags"] == ["evidence_changed"] and forbidden["status"] == "fail"  # not applied until decided
    page = (tmp_path / "out" / call_file(tmp_path / "out", "zh-bad")).read_text(encoding="utf-8")
    assert "判定后证据已变化：请重新判定" in page


def test_the_tables_carry_the_reviewed_score_and_status(store, tmp_path):
    import csv

    from qc.report import ReportOptions, write_outputs

    row = call(store, "zh-bad")
    Reviews(store.db).decide_finding(REVIEWER, row["call_uid"], "forbidden-phrase", key(row, "forbidden-phrase"),
                                     "false_positive")
    Reviews(store.db).sign(REVIEWER, row["call_uid"])
    write_outputs(store.latest_calls(), tmp_path, options=ReportOptions(audio="none"))
    with open(tmp_path / "results.csv", newline="", encoding="utf-8-sig") as fh:
        results = {r["call_id"]: r for r in csv.DictReader(fh)}
    assert (results["zh-bad"]["score"], results["zh-bad"]["reviewed_score"], results["zh-bad"]["review"]) == (
        "45.0", "65.0", "signed")
    assert results["zh-good"]["reviewed_score"] == results["zh-good"]["score"] and results["zh-good"]["review"] == ""
    with open(tmp_path / "findings.csv", newline="", encoding="utf-8-sig") as fh:
        findings = {(r["call_id"], r["rule_id"]): r["reviewed_status"] for r in csv.DictReader(fh)}
    assert findings[("zh-bad", "forbidden-phrase")] == "pass" and findings[("zh-bad", "greeting")] == "fail"
