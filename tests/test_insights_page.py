"""The insights page: why customers call (ranked, by team and channel, with trend, score, complaint
share, example calls and emerging topics) and the load agents carry, computed and rendered."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace

import numpy as np
import pytest

from bench.report import seed_from_scripts, store_call
from qc.report import ReportOptions, write_outputs
from qc.report.emerging import cluster_indices, emerging_topics
from qc.report.reasons import TOP_REASONS, reason_insights
from qc.report.wellbeing import load_by_agent
from qc.rules.context import CallContext, CustomerLoad, Moment, Reason, context_to_dict, encode_vector
from qc.run.store import Store
from qc.schema import analysis_from_dict


def reason(topic="billing", service="enquiry", confidence=0.8, statement="我的账单不对", vector=None) -> dict:
    names = {} if topic == "other" else {"zh": f"主题{topic}", "en": f"Topic {topic}"}
    return {**context_to_dict(CallContext(Reason(service, 0.7, topic, names, confidence, 0.93, "例句", statement, 2.5,
                                                 encode_vector(vector) if vector is not None else ""), None, "v"))}[
        "reason"]


def load(angry=0, abusive=()) -> dict:
    customer = CustomerLoad(angry, tuple(abusive), (Moment(4.0, 6.0, "你们到底管不管"),) if angry or abusive else ())
    return context_to_dict(CallContext(None, customer, "v"))["customer"]


def view(n, topic="billing", service="enquiry", day="2026-11-20", team="T1", agent="A1", channel="", score=80.0,
         confidence=0.8, customer=None, vector=None, statement="我的账单不对") -> dict:
    return {"call_id": f"c{n}", "page": f"calls/c{n}.html", "agent_id": agent, "agent_name": agent.lower(),
            "agent_page": f"agents/{agent}.html", "team": team, "day": day, "started_at": f"{day}T10:{n:02d}:00",
            "status": "ok", "score": score, "channel": channel, "customer_load": customer,
            "reason": reason(topic, service, confidence, statement, vector)}


# -- why customers call --------------------------------------------------------------------------


def test_reasons_are_ranked_with_share_trend_score_complaints_teams_and_channels():
    calls = ([view(i, "billing", "complaint" if i < 2 else "enquiry", score=60.0 + i) for i in range(4)]
             + [view(10 + i, "delivery", team="T2", channel="app", day="2026-11-10") for i in range(2)]
             + [view(20, "other", statement="你们招人吗")]
             + [{**view(30), "reason": None}, {**view(31), "status": "failed", "score": None}])
    insights = reason_insights(calls, "zh")
    assert (insights["calls"], insights["described"], insights["other"]) == (9, 7, 1)
    assert insights["weeks"] == {"this": "2026-11-16", "last": "2026-11-09"}
    billing, delivery, other = insights["reasons"]
    assert (billing["topic"], billing["name"], billing["calls"], billing["share"]) == ("billing", "主题billing", 4, 57)
    assert (billing["last_week"], billing["this_week"], billing["change"]) == (0, 4, 4)
    assert (billing["mean_score"], billing["complaint_share"]) == (61.5, 50)
    assert (delivery["last_week"], delivery["this_week"], delivery["change"]) == (2, 0, -2)
    assert insights["teams"] == ["T1", "T2"] and billing["by_team"] == [4, 0] and delivery["by_team"] == [0, 2]
    assert insights["channels"] == ["phone", "app"] and delivery["by_channel"] == [0, 2]
    assert insights["channel_totals"] == [5, 2] and other["name"] == ""
    assert [s["calls"] for s in insights["service_types"]] == [5, 0, 0, 0, 2]  # enquiry ... complaint
    assert [e["call"]["call_id"] for e in billing["examples"]] == ["c3", "c2", "c1"]  # all alike: newest first
    assert billing["examples"][0]["start_s"] == 2.5


def test_only_the_top_reasons_are_listed_and_sure_examples_come_first():
    calls = [view(i * 10 + j, f"t{i:02d}") for i in range(TOP_REASONS + 2) for j in range(TOP_REASONS + 2 - i)]
    listed = reason_insights(calls)["reasons"]
    assert [r["topic"] for r in listed] == [f"t{i:02d}" for i in range(TOP_REASONS)]
    sure = [view(1, confidence=0.3), view(2, confidence=0.9), view(3, confidence=0.5)]
    assert [e["call"]["call_id"] for e in reason_insights(sure)["reasons"][0]["examples"]] == ["c2", "c3", "c1"]


def unit(*values) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_like_statements_without_a_topic_are_grouped_and_named_by_the_most_central():
    assert sorted(map(sorted, cluster_indices(np.stack([unit(1, 0.1, 0), unit(1, 0, 0.1), unit(0, 1, 0),
                                                        unit(1, 0.05, 0.05)]), 0.95))) == [[0, 1, 3], [2]]
    calls = [view(1, "other", statement="你们招人吗", vector=unit(1, 0.1, 0)),
             view(2, "other", statement="请问还在招聘吗", vector=unit(1, 0.05, 0.05)),
             view(3, "other", statement="你们公司招不招客服", vector=unit(1, 0, 0.1)),
             view(4, "other", statement="我捡到一个钱包", vector=unit(0, 1, 0)),
             view(5, "other", statement="I found a wallet", vector=unit(0, 1, 0)),  # English: another scale
             view(6, "other", statement="Are you hiring", vector=unit(1, 0.1, 0))]
    [group] = emerging_topics(calls)
    assert (group["label"], group["calls"], group["share"]) == ("请问还在招聘吗", 3, 50)
    assert [e["call"]["call_id"] for e in group["examples"]] == ["c2", "c1", "c3"]


# -- agents' load ------------------------------------------------------------------------------------


def test_the_load_counts_angry_or_abusive_calls_per_agent_with_its_trend_and_team():
    calls = [view(1, agent="A1", customer=load(angry=2)), view(2, agent="A1", customer=load(abusive=["废物"])),
             view(3, agent="A1", customer=load(), day="2026-11-10"), view(4, agent="A1", customer=load(angry=1),
                                                                          day="2026-11-11"),
             view(5, agent="A2", customer=load()), view(6, agent="A2", customer=load()),
             view(7, agent="A2", customer=None), view(8, agent="A3", customer=load(), team="T2")]
    rows = load_by_agent(calls)
    assert [r["agent_id"] for r in rows] == ["A1", "A2", "A3"]  # the highest share first: who to support first
    a1 = rows[0]
    assert (a1["calls"], a1["difficult"], a1["share"], a1["angry"], a1["abusive"]) == (4, 3, 75, 2, 1)
    assert a1["this_week"] == {"calls": 2, "difficult": 2, "share": 100}
    assert a1["last_week"] == {"calls": 2, "difficult": 1, "share": 50}
    assert a1["team_share"] == 50 and rows[1]["calls"] == 2 and rows[1]["share"] == 0
    assert [e["call"]["call_id"] for e in a1["examples"]] == ["c2", "c1", "c4"]
    assert a1["examples"][0]["quote"] == "你们到底管不管" and a1["examples"][0]["start_s"] == 4.0


# -- the pages, from a database ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The four sample calls plus two of an app channel a week earlier, each with a stored context."""
    store = Store(tmp_path_factory.mktemp("db") / "qc.sqlite")
    rows = seed_from_scripts(store)
    zh = analysis_from_dict(next(r for r in rows if r["call_id"] == "zh-bad")["analysis"])
    for i in range(2):
        rows.append(store_call(store, replace(zh, meta=replace(zh.meta, call_id=f"app-{i}", extra={"channel": "app"},
                                                               started_at=f"2026-11-1{i}T09:00:00+08:00"))))
    contexts = {"zh-bad": ("billing", "complaint", load(angry=1)), "zh-good": ("billing", "enquiry", load()),
                "en-bad": ("delivery", "complaint", load(abusive=["idiot"])), "en-good": ("other", "advice", None),
                "app-0": ("delivery", "request", load()), "app-1": ("delivery", "request", load())}
    for row in rows:
        topic, service, customer = contexts[row["call_id"]]
        store.save_context(row["call_key"], {"reason": reason(topic, service, vector=unit(1, 0, 0) if topic == "other"
                                                              else None), "customer": customer, "version": "v"})
    out = tmp_path_factory.mktemp("report")
    write_outputs(store.latest_calls(), out, options=ReportOptions(audio="none"))
    return {"out": out, "store": store, "rows": {r["call_id"]: r for r in store.latest_calls()}}


def read(report, name: str) -> str:
    return (report["out"] / name).read_text(encoding="utf-8")


def test_the_insights_page_is_linked_and_links_each_reason_to_example_calls(report):
    assert 'href="insights.html"' in read(report, "index.html")
    html = read(report, "insights.html")
    assert "来电原因" in html and "主要来电原因" in html  # most calls are Chinese: a Chinese page
    ranked = re.findall(r'<tr id="reason-([\w-]+)">', html)
    assert ranked == ["delivery", "billing", "other"]
    stems = {r["call_id"]: f"calls/{r['call_id']}-{r['call_uid'][:8]}.html" for r in report["rows"].values()}
    assert f'href="{stems["zh-bad"]}#t=2.500"' in html and f'href="{stems["app-0"]}#t=2.500"' in html
    assert "应用" in html and "电话" in html and "宽带组" in html and "Cards" in html  # channels, teams
    assert "其他（无匹配主题）" in html and "投诉占比" in html


def test_agents_see_their_load_as_support_never_as_a_fault_or_a_score(report):
    html = read(report, "insights.html")
    load_table = html[html.index('id="load"'):]
    assert "不是坐席的过错" in load_table and "不计入任何评分" in load_table
    assert 'href="agents/A1000.html"' in load_table and 'href="agents/E2000.html"' in load_table
    agent = read(report, "agents/A1000.html")
    assert "遇到愤怒或辱骂客户的通话" in agent and "4 通中 1 通" in agent  # zh-bad of A1000's 4 analysed calls
    with open(report["out"] / "results.csv", encoding="utf-8-sig") as fh:
        results = {r["call_id"]: r for r in csv.DictReader(fh)}
    for call_id, row in report["rows"].items():  # the score is what the rules gave, whatever the load
        assert float(results[call_id]["score"]) == row["score"]
    assert (results["zh-bad"]["customer_difficult"], results["zh-good"]["customer_difficult"]) == ("True", "False")
    assert (results["zh-bad"]["service_type"], results["zh-bad"]["reason"]) == ("complaint", "billing")


def test_the_call_json_and_page_carry_the_reason_but_not_its_vector(report):
    row = report["rows"]["en-good"]
    doc = json.loads(read(report, f"calls/en-good-{row['call_uid'][:8]}.json"))
    assert doc["reason"]["topic"] == "other" and "vector" not in doc["reason"] and doc["customer_load"] is None
    bad = report["rows"]["zh-bad"]
    page = read(report, f"calls/zh-bad-{bad['call_uid'][:8]}.html")
    assert "来电原因：主题billing · 投诉（置信度 0.80）" in page and "这是坐席承受的压力，不计入评分" in page


def test_qc_serve_shows_the_same_insights(report):
    from qc.serve.app import create_app

    client = create_app(report["store"].path).test_client()
    html = client.get("/insights.html").get_data(as_text=True)
    assert re.findall(r'<tr id="reason-([\w-]+)">', html) == ["delivery", "billing", "other"]
    assert "遇到愤怒或辱骂客户的通话" in client.get("/agents/A1000.html").get_data(as_text=True)
