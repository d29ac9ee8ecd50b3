"""Chat and IM logs as calls: reading both shapes, odd encodings and bad lines; the rules on a
chat (sound checks na, waits from message times, windows on the agent's part); qc run on the
labelled fixture (bench/chats) with pages that show chats beside calls."""

import csv
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from qc.cli import cli
from qc.errors import ChatError
from qc.metrics import chat_waits, window
from qc.rules.engine import evaluate_rule
from qc.rules.providers import CheckModels
from qc.rules.ruleset import RULES_DIR, load_ruleset
from qc.rules.scoring import score_call
from qc.schema import CallMeta
from qc.sources.chat import ChatSource, calls_in
from qc.sources.chat_log import parse_time, read_log
from qc.sources.files import collect_calls, discover

from helpers import call_file

FIXTURE = Path(__file__).resolve().parent.parent / "bench" / "chats"
AUDIO_RULES = ("long-silence", "hold-announced", "agent-interruption", "speech-rate", "agent-raised-voice")


def jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def message(cid, time, role, text, **fields):
    return {"conversation_id": cid, "time": time, "role": role, "text": text, **fields}


def analysed(path: Path, call_id: str):
    meta = next(m for m in calls_in(path, {}) if m.call_id == call_id)
    return ChatSource().analyse(meta, "zh")


def test_json_lines_become_one_call_per_conversation_with_its_metadata(tmp_path):
    log = jsonl(tmp_path / "night.jsonl", [
        message("W1", "2026-11-21T09:30:00+08:00", "客户", "你好，在吗", channel="wechat", queue="vip"),
        message("W2", 0, "visitor", "hi, my card was charged twice", agent_id="E7", team="Cards"),
        message("W1", "2026-11-21T09:30:20+08:00", "bot", "正在为您转接人工客服"),
        message("W1", "2026-11-21T09:30:40+08:00", "客服", "您好，星河商城客服，工号1024", agent_id="A1024",
                agent_name="小李", sender="小李"),
        message("W1", "2026-11-21T09:30:40+08:00", "agent", "请问有什么可以帮您？", agent_id="A9999"),
        message("W2", 12.5, "staff", "Hello, Northwind Bank, this is Sam."),
    ])
    calls = {m.call_id: m for m in calls_in(log, {})}
    assert set(calls) == {"W1", "W2"}
    w1 = calls["W1"]  # a conversation's field takes the first value its messages give
    assert (w1.agent_id, w1.agent_name, w1.layout, w1.language) == ("A1024", "小李", "chat", "zh")
    assert w1.extra == {"channel": "wechat", "queue": "vip"} and w1.started_at == "2026-11-21T09:30:00+08:00"
    assert calls["W2"].extra == {"channel": "chat"} and calls["W2"].language == "en"  # told by its text
    analysis = ChatSource().analyse(w1, "en")  # the run's language does not override the text's
    segments = analysis.transcript.segments
    assert [(s.speaker, s.role, s.start_s) for s in segments] == [
        ("customer", "customer", 0.0), ("bot", "unknown", 20.0), ("agent", "agent", 40.0),
        ("agent", "agent", 40.001)]  # same second: file order, 1 ms apart
    assert all(s.start_s == s.end_s for s in segments)  # a message is a moment
    assert (analysis.audio.layout, analysis.audio.channels, analysis.audio.duration_s) == ("chat", 0, 40.001)
    assert analysis.diarization.method == "chat" and analysis.transcript.language == "zh"


def test_csv_in_gb18030_with_chinese_headers_and_utf8_with_bom_read_alike(tmp_path):
    rows = [("会话ID", "发送时间", "发送方", "消息内容", "客服工号", "渠道"),
            ("C1", "2026/11/22 9:05:00", "客户", "燃气费可以在网上交吗", "", "app"),
            ("C1", "2026/11/22 9:05:15", "客服", "您好，城东燃气客服小王为您服务。", "U2050", "app")]
    text = "\r\n".join(",".join(r) for r in rows) + "\r\n"
    (tmp_path / "gbk.csv").write_bytes(text.encode("gb18030"))
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))
    read = {}
    for name in ("gbk.csv", "bom.csv"):
        [meta] = calls_in(tmp_path / name, {})
        analysis = ChatSource().analyse(meta, "zh")
        read[name] = (meta.agent_id, meta.extra, meta.started_at,
                      [(s.role, s.start_s, s.text) for s in analysis.transcript.segments])
    assert read["gbk.csv"] == read["bom.csv"]
    assert read["gbk.csv"][0] == "U2050" and read["gbk.csv"][2] == "2026-11-22T09:05:00"
    assert read["gbk.csv"][3][1] == ("agent", 15.0, "您好，城东燃气客服小王为您服务。")


def test_zendesk_chat_objects_are_read_as_conversations(tmp_path):
    chat = {"id": "Z1", "type": "chat", "agent_ids": ["360021"], "agent_names": ["Ravi Patel"],
            "department_name": "Billing", "history": [
                {"type": "chat.msg", "nick": "visitor", "name": "Visitor 1", "msg": "my renewal failed",
                 "timestamp": "2026-11-23T08:00:00Z"},
                {"type": "chat.msg", "nick": "agent:trigger", "name": "Cloudnine", "msg": "An agent will be with you",
                 "timestamp": "2026-11-23T08:00:01Z"},
                {"type": "chat.memberjoin", "nick": "agent:360021", "timestamp": "2026-11-23T08:00:20Z"},
                {"type": "chat.msg", "nick": "agent:360021", "name": "Ravi Patel", "msg": "Hi, I'm Ravi",
                 "timestamp": 1795420835000}]}  # epoch milliseconds: 08:00:35Z
    offline = {"id": "Z2", "type": "offline_msg", "message": "call me back"}
    (tmp_path / "export.json").write_text(json.dumps({"chats": [chat, offline]}), encoding="utf-8")
    [meta] = calls_in(tmp_path / "export.json", {})
    assert (meta.call_id, meta.agent_id, meta.agent_name, meta.team, meta.extra["channel"]) == \
        ("Z1", "360021", "Ravi Patel", "Billing", "web")
    segments = ChatSource().analyse(meta, "en").transcript.segments
    assert [(s.speaker, s.start_s) for s in segments] == [("customer", 0.0), ("bot", 1.0), ("agent", 35.0)]


def test_a_bad_line_fails_its_own_conversation_and_the_rest_is_read(tmp_path):
    log = tmp_path / "day.jsonl"
    log.write_text("\n".join([
        json.dumps(message("OK", 0, "customer", "hello")),
        "{not json",
        json.dumps(message("BAD", 0, "customer", "hi")),
        json.dumps(message("BAD", "yesterday", "agent", "hello")),
        json.dumps(message("ROLE", 0, "supervisor", "hi")),
        json.dumps(message("MIX", "2026-11-21T09:30:00+08:00", "customer", "hi")),
        json.dumps(message("MIX", 30, "agent", "hello")),
        json.dumps(message("OK", 8, "agent", "hi, how can I help?")),
    ]) + "\n", encoding="utf-8")
    calls = {m.call_id: m for m in calls_in(log, {})}
    assert set(calls) == {"OK", "day.jsonl:2", "BAD", "ROLE", "MIX"}
    assert len(ChatSource().analyse(calls["OK"], "en").transcript.segments) == 2
    reasons = {}
    for call_id in ("day.jsonl:2", "BAD", "ROLE", "MIX"):
        with pytest.raises(ChatError) as caught:
            ChatSource().analyse(calls[call_id], "en")
        reasons[call_id] = str(caught.value.args[0])
    assert reasons["day.jsonl:2"] == "day.jsonl:2: not a JSON object"
    assert reasons["BAD"].startswith("day.jsonl:4: 'yesterday' is not a time")
    assert reasons["ROLE"].startswith("day.jsonl:5: unknown role 'supervisor'")
    assert "MIX mixes kinds of time" in reasons["MIX"]


def test_folders_yield_chat_logs_not_manifests_or_other_json(tmp_path):
    (tmp_path / "manifest.csv").write_text("call_id,file\nc1,c1.wav\n", encoding="utf-8")
    (tmp_path / "calls.csv").write_text("call_id,file,agent_id\nc2,c2.wav,A1\n", encoding="utf-8")
    (tmp_path / "scripts.json").write_text(json.dumps({"turns": [{"text": "hi"}]}), encoding="utf-8")
    jsonl(tmp_path / "chats.jsonl", [message("K1", 0, "customer", "hi")])
    assert [p.name for p in discover([tmp_path])] == ["chats.jsonl"]
    manifest = tmp_path / "m.csv"  # a manifest row names a conversation of a log and fills in its metadata
    manifest.write_text("call_id,file,agent_id,agent_name,team,started_at,channels_layout,channel\n"
                        "K1,chats.jsonl,A7,Ann,Sales,,,app\n", encoding="utf-8")
    [meta] = collect_calls([tmp_path / "chats.jsonl"], manifest)
    assert (meta.call_id, meta.agent_id, meta.agent_name, meta.team, meta.extra) == \
        ("K1", "A7", "Ann", "Sales", {"channel": "app"})


def test_times_of_every_kind(tmp_path):
    assert parse_time("2026-11-21T09:30:05+08:00")[1:] == ("zoned", "2026-11-21T09:30:05+08:00")
    assert parse_time("2026/11/21 9:30:05")[1:] == ("local", "2026-11-21T09:30:05")
    assert parse_time(1795420835000)[0] == parse_time(1795420835)[0] == parse_time("2026-11-23T08:00:35Z")[0]
    assert parse_time("09:30:05")[:2] == (34205.0, "offset") and parse_time(12.5)[:2] == (12.5, "offset")
    assert parse_time("yesterday") is None and parse_time(-3) is None and parse_time(True) is None


def test_sound_checks_are_na_on_a_chat_and_the_words_are_judged(check_models):
    ruleset = load_ruleset(RULES_DIR / "zh-default.yaml")
    analysis = analysed(FIXTURE / "zh-chats.jsonl", "zh-telecom-02")
    verdicts = {r.rule_id: r for r in score_call(analysis, ruleset, check_models).rules}
    assert {rule: verdicts[rule].status for rule in AUDIO_RULES} == dict.fromkeys(AUDIO_RULES, "na")
    assert "在线会话没有声音" in verdicts["long-silence"].reason
    assert verdicts["forbidden-phrase"].status == "fail" and verdicts["customer-emotion-end"].status == "fail"
    as_call = replace(analysis, meta=replace(analysis.meta, layout="mono"),  # the same words heard on a call
                      audio=replace(analysis.audio, layout="mono"))
    on_call = {r.rule_id: r.status for r in score_call(as_call, ruleset, check_models).rules}
    assert on_call["long-silence"] != "na" and on_call["chat-response-time"] == "na"


def test_waits_come_from_message_times_and_a_bot_is_no_answer(tmp_path):
    log = jsonl(tmp_path / "w.jsonl", [
        message("Q", 0, "customer", "hello"), message("Q", 1, "bot", "Connecting you to an agent"),
        message("Q", 10, "customer", "a person please"), message("Q", 11, "bot", "Please hold"),
        message("Q", 55, "agent", "Hi, this is Sam"), message("Q", 60, "customer", "my order"),
        message("Q", 70, "customer", "hello?"), message("Q", 300, "agent", "found it"),
        message("Q", 301, "agent", "anything else?")])
    analysis = analysed(log, "Q")
    assert [(a, b) for a, b in chat_waits(analysis.transcript)] == [(10.0, 55.0), (60.0, 300.0)]
    ruleset = load_ruleset(RULES_DIR / "en-default.yaml")
    rule = next(r for r in ruleset.rules if r.id == "chat-response-time")
    found = evaluate_rule(analysis, rule.conditions, rule.applies_when, rule.require, rule.forbid, CheckModels(),
                          language="en")
    assert found.status == "fail" and "the longest wait 240 s" in found.reason
    assert [(e.start_s, e.end_s) for e in found.evidence] == [(60.0, 300.0)]


def test_time_windows_follow_the_agents_part_of_a_chat(tmp_path):
    log = jsonl(tmp_path / "win.jsonl", [
        message("V", 0, "customer", "hi"), message("V", 40, "bot", "all agents are busy"),
        message("V", 100, "agent", "您好，星河商城客服，工号1024"), message("V", 130, "agent", "祝您生活愉快，再见"),
        message("V", 400, "customer", "谢谢")])
    analysis = analysed(log, "V")
    assert window(analysis) == (100.0, 130.0)
    assert window(replace(analysis, audio=replace(analysis.audio, layout="mono"))) == (0.0, 400.0)


def test_qc_run_on_the_fixture_shows_chats_beside_calls_and_reruns_only_what_changed(tmp_path):
    logs = tmp_path / "chats"
    shutil.copytree(FIXTURE, logs)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(logs), "--out", str(out), "--audio", "none"])
    assert result.exit_code == 0, result.output
    labels = (FIXTURE / "labels.yaml").read_text(encoding="utf-8")
    assert "26 calls: 26 processed (26 of them chats)" in result.output and labels.count("\n  labels:") == 26
    page = (out / call_file(out, "zh-ecom-02")).read_text(encoding="utf-8")
    assert "<audio" not in page and 'class="msg unknown bot seg"' in page and "机器人" in page
    assert "在线会话：只有消息，没有录音" in page and "APP" not in page
    doc = json.loads((out / call_file(out, "zh-ecom-02", "json")).read_text(encoding="utf-8"))
    assert doc["channel"] == "app" and doc["audio"]["layout"] == "chat" and doc["metadata"]["industry"] == "ecommerce"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "WeChat" in index or "微信" in index
    results = list(csv.DictReader((out / "results.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert sum(row["channel"] == "web" for row in results) == 12
    again = CliRunner().invoke(cli, ["run", str(logs), "--out", str(out), "--audio", "none"])
    assert "0 processed, 26 already done" in again.output
    log = logs / "zh-chats.jsonl"  # one conversation gets a late message: it alone is redone, and replaces itself
    log.write_text(log.read_text(encoding="utf-8") + json.dumps(
        message("zh-hospital-01", "2026-11-22T10:33:00+08:00", "customer", "对了，要带医保卡吗？"),
        ensure_ascii=False) + "\n", encoding="utf-8")
    third = CliRunner().invoke(cli, ["run", str(logs), "--out", str(out), "--audio", "none"])
    assert "1 processed (1 of them chats), 25 already done" in third.output, third.output
    doc = json.loads((out / call_file(out, "zh-hospital-01", "json")).read_text(encoding="utf-8"))
    assert doc["segments"][-1]["text"] == "对了，要带医保卡吗？"
