"""The pages supervisors asked for: rules with their failing calls, week against week and team against
team, and search by phrase, rule, agent and date (the pure parts, and the static pages)."""

from __future__ import annotations

import json
import re

import pytest

from qc.report import ReportOptions, write_outputs
from qc.report.insights import comparison, rule_pages, search, week_of
from test_report import make_store

from helpers import call_file


def call(call_id, team, day, score, failed=(), said=(), agent="A1"):
    rules = [{"rule_id": r, "title": r.title(), "category": "compliance", "points": 10.0,
              "status": "fail" if r in failed else "pass", "reason": "",
              "evidence": [{"start_s": 3.0, "end_s": 4.0, "text": f"{r} quote"}] if r in failed else []}
             for r in ("closing", "hold", "greeting")]
    return {"call_id": call_id, "page": f"calls/{call_id}.html", "agent_id": agent, "agent_name": agent.lower(),
            "team": team, "started_at": f"{day}T09:00:00", "day": day, "status": "ok", "score": score,
            "passed": score >= 80, "fatal": False, "metrics": None, "language": "en", "rules": rules,
            "chat": [{"kind": "sentence", "start_s": float(i), "text": text} for i, text in enumerate(said)]}


CALLS = [call("a", "North", "2026-11-10", 60, ["closing"]), call("b", "North", "2026-11-17", 90),
         call("c", "South", "2026-11-18", 70, ["closing", "hold"]), call("d", "South", "2026-11-19", 50, ["hold"]),
         call("e", "South", "2026-11-11", 100)]


def test_each_failed_rule_has_a_page_of_its_failing_calls_worst_first():
    pages = {p["rule_id"]: p for p in rule_pages(CALLS)}
    assert set(pages) == {"closing", "hold"}
    assert [f["call"]["call_id"] for f in pages["hold"]["calls"]] == ["d", "c"]
    assert pages["hold"]["page"] == "rules/hold.html" and pages["hold"]["calls"][0]["start_s"] == 3.0
    assert pages["closing"]["calls"][0]["quote"] == "closing quote"


def test_the_newest_week_against_the_week_before_and_team_against_team():
    got = comparison(CALLS)
    assert week_of("2026-11-19").isoformat() == "2026-11-16" == got["weeks"]["this"]
    everyone, north, south = got["weeks"]["rows"]
    assert (everyone["before"]["calls"], everyone["after"]["calls"]) == (2, 3)
    assert (north["before"]["mean_score"], north["after"]["mean_score"], north["change"]) == (60.0, 90.0, 30.0)
    assert (south["before"]["mean_score"], south["after"]["mean_score"], south["change"]) == (100.0, 60.0, -40.0)
    hold = next(r for r in got["weeks"]["rules"] if r["rule_id"] == "hold")
    assert (hold["before"], hold["after"]) == (0, 67)
    assert [t["team"] for t in got["teams"]] == ["North", "South"]
    closing = next(r for r in got["team_rules"] if r["rule_id"] == "closing")
    assert closing["rates"] == [50, 33]
    earlier = comparison(CALLS, week="2026-11-12")
    assert earlier["weeks"]["this"] == "2026-11-09" and earlier["weeks"]["rows"][0]["after"]["calls"] == 2


@pytest.mark.parametrize("query,found", [
    ({"phrase": "REFUND"}, ["c", "a"]),
    ({"phrase": "refund", "rule": "hold"}, ["c"]),
    ({"agent": "a2"}, ["d"]),
    ({"since": "2026-11-11", "until": "2026-11-17"}, ["b", "e"]),
    ({"phrase": "nobody said this"}, []),
])
def test_search_by_phrase_rule_agent_and_date(query, found):
    calls = [*CALLS[:2], call("c", "South", "2026-11-18", 70, ["hold"], said=["I want a Refund", "ok"]),
             call("d", "South", "2026-11-19", 50, ["hold"], agent="A2"), CALLS[4]]
    calls[0] = call("a", "North", "2026-11-10", 60, said=["no refund today"])
    got = search(calls, **query)
    assert [f["call"]["call_id"] for f in got] == found
    if query.get("phrase") == "REFUND":
        assert got[0]["hits"][0] == {"start_s": 0.0, "before": "I want a ", "match": "Refund", "after": ""}


def test_the_static_report_has_rule_pages_a_comparison_and_a_search_index(tmp_path):
    store = make_store(tmp_path / "qc.sqlite")
    write_outputs(store.latest_calls(), tmp_path, options=ReportOptions(audio="none"))
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<a href="rules/forbidden-phrase.html">服务禁语</a>' in index
    assert 'class="agents sortable"' in index
    rule = (tmp_path / "rules" / "forbidden-phrase.html").read_text(encoding="utf-8")
    assert f'href="../{call_file(tmp_path, "zh-bad")}#t=' in rule and call_file(tmp_path, "zh-good") not in rule
    assert "2026-11-16 – 2026-11-22 当周与上一周对比" in (tmp_path / "compare.html").read_text(encoding="utf-8")
    search_page = (tmp_path / "search.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="search-index">(.*?)</script>',
                                search_page, re.S).group(1))
    zh_bad = next(c for c in data if c["id"] == "zh-bad")
    assert "forbidden-phrase" in zh_bad["rules"] and any("不知道" in text for _, text in zh_bad["said"])
    assert "<script>alert(1)" not in search_page  # the markup agent's name is escaped in the index too
