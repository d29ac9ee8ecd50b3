"""Calibration: agreement, precision, recall and kappa per rule against hand-computed examples, human
verdicts from a CSV and from reviews, and `qc calibrate` with its page beside the overview."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from qc.cli import cli
from qc.errors import ConfigError
from qc.rules.calibration import Pair, cohen_kappa, rule_agreement
from qc.run.calibrate import HumanVerdict, calibrate, read_labels
from qc.run.store import Store

from test_report import make_store


def pairs(rule_id: str, machine: str, human: str) -> list[Pair]:
    """``"ffp"`` and ``"fpp"``: one letter per call (p pass, f fail, n na)."""
    status = {"p": "pass", "f": "fail", "n": "na"}
    return [Pair(f"c{i}", rule_id, status[m], status[h]) for i, (m, h) in enumerate(zip(machine, human))]


def test_kappa_of_the_textbook_example():
    """50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15 -> p_o 0.7, p_e 0.5, kappa 0.4."""
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_agreement_precision_recall_and_kappa_over_three_statuses():
    # qc f f p p p n / human f p p p f n: 4 of 6 agree; qc fails 2 (1 right), the human 2 (1 caught);
    # p_e = (2*2 + 3*3 + 1*1) / 36 = 14/36; kappa = (24/36 - 14/36) / (22/36) = 10/22
    [row] = rule_agreement(pairs("r", "ffpppn", "fpppfn"))
    assert (row.calls, row.agreement, row.precision, row.recall) == (6, pytest.approx(4 / 6), 0.5, 0.5)
    assert row.kappa == pytest.approx(10 / 22) and row.below  # below the default 0.6
    assert [(p.machine, p.human) for p in row.disagreements] == [("fail", "pass"), ("pass", "fail")]
    assert ("pass", "pass", 2) in row.confusion and ("fail", "fail", 1) in row.confusion


def test_na_is_a_status_of_its_own_for_kappa_and_not_a_fail_for_precision_and_recall():
    # qc p p f n / human n p f n: 3 of 4; p_e = (2*1 + 1*1 + 1*2) / 16 = 5/16; kappa = (12 - 5) / (16 - 5) = 7/11
    [row] = rule_agreement(pairs("r", "ppfn", "npfn"), min_kappa=0.6)
    assert row.agreement == 0.75 and row.kappa == pytest.approx(7 / 11) and not row.below
    assert row.precision == row.recall == 1.0


def test_one_status_on_both_sides_leaves_kappa_undefined_and_the_rule_unflagged():
    [row] = rule_agreement(pairs("r", "ppp", "ppp"))
    assert (row.agreement, row.kappa, row.precision, row.recall, row.below) == (1.0, None, None, None, False)
    [row] = rule_agreement(pairs("r", "ppp", "ppf"))  # qc never fails: precision undefined, recall 0
    assert (row.precision, row.recall, row.kappa) == (None, 0.0, 0.0) and row.below


def test_rules_keep_the_order_they_first_appear_in():
    rows = rule_agreement(pairs("b", "p", "p") + pairs("a", "f", "p") + pairs("b", "f", "f"))
    assert [(r.rule_id, r.calls) for r in rows] == [("b", 2), ("a", 1)]


# -- human verdicts ------------------------------------------------------------------------------


def test_labels_csv_in_excels_encoding_with_aliases(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes("call_id,rule_id,status,备注\nC1,greeting,PASS,好\nC1,closing,n/a,\nC2,greeting,Failed,\n"
                     .encode("gb18030"))
    assert [(v.call_id, v.rule_id, v.status, v.source) for v in read_labels(path)] == [
        ("C1", "greeting", "pass", "labels.csv:2"), ("C1", "closing", "na", "labels.csv:3"),
        ("C2", "greeting", "fail", "labels.csv:4")]


@pytest.mark.parametrize("body,message", [
    ("call_id,rule,status\nC1,greeting,pass\n", "expected columns call_id,rule_id,status"),
    ("call_id,rule_id,status\nC1,greeting,ok\n", r"labels.csv:2: status 'ok' is not pass, fail or na"),
    ("call_id,rule_id,status\nC1,greeting,pass\nC1,greeting,fail\n", "labels.csv:3: call C1 rule greeting was "
                                                                      "labelled on line 2 already"),
    ("call_id,rule_id,status\n,greeting,pass\n", "labels.csv:2: a call"),
])
def test_labels_mistakes_name_the_line(tmp_path, body, message):
    path = tmp_path / "labels.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_labels(path)


def row(call_id: str, uid: str, statuses: dict, status: str = "ok", language: str = "", title=str.upper) -> dict:
    return {"call_id": call_id, "call_uid": uid, "agent_id": "A1", "agent_name": "", "team": "t",
            "started_at": "2026-11-21", "status": status,
            "analysis": {"transcript": {"language": language}} if language else None,
            "score_detail": {"rules": [{"rule_id": r, "title": title(r), "status": s, "reason": f"{r} {s}"}
                                       for r, s in statuses.items()]} if status == "ok" else None}


def test_verdicts_are_matched_to_calls_and_what_cannot_be_is_counted_not_guessed():
    rows = [row("C1", "u1", {"greeting": "pass", "closing": "fail"}), row("C2", "u2", {"greeting": "fail"}),
            row("C2", "u3", {"greeting": "pass"}), row("C3", "u4", {}, status="failed")]
    human = [HumanVerdict("C1", "greeting", "pass"), HumanVerdict("C1", "closing", "pass"),
             HumanVerdict("C2", "greeting", "fail"),  # C2 is two calls: ambiguous
             HumanVerdict("", "greeting", "fail", call_uid="u3"),  # named exactly
             HumanVerdict("C9", "greeting", "pass"), HumanVerdict("C3", "greeting", "pass"),
             HumanVerdict("C1", "hold", "pass"),
             HumanVerdict("", "closing", "fail", call_uid="u1", source="reviews")]  # a later review wins
    result = calibrate(rows, human)
    by_rule = {r.rule_id: r for r in result.rules}
    assert [r.rule_id for r in result.rules] == ["greeting", "closing"]  # the set's order
    assert (by_rule["greeting"].calls, by_rule["greeting"].agreement) == (2, 0.5)
    assert by_rule["closing"].agreement == 1.0
    assert result.skipped == {"ambiguous_call": 1, "unknown_call": 1, "not_scored": 1, "unknown_rule": 1}
    assert result.titles["greeting"] == {"": "GREETING"} and result.calls["u3"]["reasons"]["greeting"] == "greeting pass"


def test_the_page_names_rules_in_its_own_language_whatever_call_came_first(tmp_path):
    from qc.report.calibration import write_calibration_page

    rows = [row("E1", "u1", {"greeting": "pass"}, language="en", title=lambda r: "Opening greeting")] + [
        row(f"Z{i}", f"u{i + 2}", {"greeting": "fail"}, language="zh", title=lambda r: "开场问候") for i in range(2)]
    result = calibrate(rows, [HumanVerdict(r["call_id"], "greeting", "pass") for r in rows])
    summary = {"read": 3, "sources": ["x.csv: 3"], "skipped": [], "period": {"since": None, "until": None,
                                                                               "team": None, "agent": None}}
    html = write_calibration_page(tmp_path, result.rules, result.titles, result.calls, summary, 0.6).read_text(
        encoding="utf-8")
    assert "开场问候" in html and "Opening greeting" not in html  # zh: the language of most calls
    english = write_calibration_page(tmp_path, result.rules, result.titles, result.calls, summary, 0.6, "en")
    assert "Opening greeting" in english.read_text(encoding="utf-8")


def test_calibrate_reads_what_reviewers_decided_in_the_review_tables(tmp_path):
    """The human verdicts are those the review tables (migration 0005_reviews) hold, as the reviewed
    score applies them: a status set on a rule, a finding marked false positive or confirmed, an
    appeal accepted or rejected; a decision on evidence that changed since is no verdict."""
    from qc.rules.review import finding_key
    from qc.run.review_actions import Actor, Reviews
    from qc.run.reviews import human_verdicts

    store = make_store(tmp_path / "qc.sqlite")
    row = next(r for r in store.latest_calls() if r["call_id"] == "zh-bad")
    uid, reviews = row["call_uid"], Reviews(store.db)
    key = {r["rule_id"]: finding_key(r) for r in row["score_detail"]["rules"]}
    reviewer, lead, agent = Actor("张审核", "reviewer"), Actor("陈主管", "qa_lead"), Actor("小李", "agent")
    reviews.decide_finding(reviewer, uid, "forbidden-phrase", key["forbidden-phrase"], "false_positive")
    reviews.decide_finding(reviewer, uid, "greeting", key["greeting"], "confirmed")
    reviews.decide_finding(reviewer, uid, "hold-announced", key["hold-announced"], "confirmed")
    reviews.set_rule_status(reviewer, uid, "job-number", "na", "客户没有问工号")
    for rule_id in ("closing", "long-silence"):
        reviews.file_appeal(agent, uid, rule_id, key[rule_id], "不同意")
    closing, silence = (a["id"] for a in reviews.state(uid)["appeals"])
    reviews.decide_appeal(lead, uid, closing, False, "没有结束语")
    reviews.decide_appeal(lead, uid, silence, True, "说了请稍等")
    store.db.execute("UPDATE review_decisions SET finding_key = 'hold-announced#before' WHERE rule_id = ?",
                     ("hold-announced",))  # as if re-scoring had moved the evidence: kept, flagged, not counted
    verdicts = human_verdicts(store.latest_calls())
    assert {(v["call_uid"], v["call_id"]) for v in verdicts} == {(uid, "zh-bad")}
    assert {v["rule_id"]: v["status"] for v in verdicts} == {
        "greeting": "fail", "job-number": "na", "closing": "fail", "forbidden-phrase": "pass", "long-silence": "pass"}
    result = CliRunner().invoke(cli, ["calibrate", "--db", str(tmp_path / "qc.sqlite"), "--out", str(tmp_path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "5 human verdicts (reviews: 5), 5 compared" in result.output
    rows = {line.split()[0]: line.split()[1:3] for line in result.output.splitlines()[1:]}
    assert rows["greeting"] == rows["closing"] == ["1", "100%"]  # qc failed them, and so did the reviewers
    assert rows["forbidden-phrase"] == rows["long-silence"] == rows["job-number"] == ["1", "0%"]


# -- qc calibrate ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> dict:
    """The report's six stored calls, a manual QA export that disagrees on two rules, and `qc calibrate`."""
    out = tmp_path_factory.mktemp("calibrated")
    store = make_store(out / "qc.sqlite")
    verdicts = {r["call_id"]: {x["rule_id"]: x["status"] for x in r["score_detail"]["rules"]}
                for r in store.latest_calls() if r["status"] == "ok"}
    lines = ["call_id,rule_id,status"]
    for call_id, statuses in verdicts.items():
        for rule_id, status in statuses.items():
            if rule_id == "closing":
                status = "fail"  # reviewers fail every closing qc passed or failed
            if rule_id == "greeting" and call_id == "zh-bad":
                status = "pass" if status == "fail" else "fail"
            lines.append(f"{call_id},{rule_id},{status}")
    lines.append("nobody,greeting,pass")
    labels = out / "labels.csv"
    labels.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["calibrate", "--db", str(out / "qc.sqlite"), "--labels", str(labels),
                                      "--out", str(out)], catch_exceptions=False)
    return {"out": out, "result": result, "verdicts": verdicts}


def test_calibrate_prints_the_per_rule_table(calibrated):
    result = calibrated["result"]
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.match(r"rule\s+calls\s+agree\s+precision\s+recall\s+kappa", lines[0])
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:] if line.split()[0] in ("greeting", "closing")}
    # greeting: one disagreement in six calls, and the only two fails agree:
    # 5/6 agree, precision 2/3, recall 1, kappa (5/6 - 1/2) / (1/2) = 0.67
    assert rows["greeting"] == [str(len(calibrated["verdicts"])), "83%", "0.67", "1.00", "0.67"]
    # closing: reviewers failed all six, qc three: precision 1, recall 0.5, kappa 0 (one status on their side)
    assert rows["closing"] == ["6", "50%", "1.00", "0.50", "0.00", "below", "0.60"]
    assert "1 human verdict(s) left out: call not among the stored calls of the period" in result.output
    assert "1 of 13 rules below kappa 0.60: closing;" in result.output


def test_the_calibration_page_sits_beside_the_overview_and_links_to_the_disagreeing_calls(calibrated):
    out = calibrated["out"]
    html = (out / "calibration.html").read_text(encoding="utf-8")
    assert 'href="calibration.html"' in (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="(calls/[^"]+\.html)">zh-bad</a>', html)
    assert links and all((out / link).is_file() for link in links)
    assert 'class="below" id="rule-closing"' in html and 'class="" id="rule-greeting"' in html and "Kappa" in html


def test_calibrate_without_any_human_verdict_is_a_usage_error(tmp_path):
    Store(tmp_path / "qc.sqlite")
    result = CliRunner().invoke(cli, ["calibrate", "--db", str(tmp_path / "qc.sqlite")])
    assert result.exit_code == 2 and "no human verdicts" in result.output
