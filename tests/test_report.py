"""The report: pages, exports, audio, interface language and `qc report`, from stored calls (no model).

The stored calls are the committed sample calls' scripts scored by the default packs
(bench/report.py stores them as `qc run` would), plus a call whose agent name and
transcript carry markup, a call whose roles qc is unsure of, and one that failed.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.report import seed_from_scripts, store_call
from qc.metrics import call_metrics
from qc.report import charts, i18n
from qc.cli import cli
from qc.report import FINDING_COLUMNS, RESULT_COLUMNS, ReportOptions, write_outputs
from qc.schema import AudioInfo, CallAnalysis, CallMeta, Diarization, Segment, SpeechRegion, Transcript, Word
from qc.schema import analysis_from_dict
from qc.report.scorecards import agent_stem, group_stats
from qc.run.store import Store

from helpers import call_file

MARKUP_NAME = "<script>alert(1)</script>"
MARKUP_TEXT = '<img src=x onerror="alert(2)">我的<b>宽带</b>坏了'
TEMPLATES = Path(__file__).resolve().parent.parent / "qc" / "report" / "templates"
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed (make installs it)")


def make_store(path: Path) -> Store:
    """Six calls of three agents in two teams over three days."""
    store = Store(path)
    rows = {r["call_id"]: r for r in seed_from_scripts(store)}
    zh_bad, zh_good = (analysis_from_dict(rows[c]["analysis"]) for c in ("zh-bad", "zh-good"))
    segments = list(zh_bad.transcript.segments)
    segments[1] = replace(segments[1], text=MARKUP_TEXT)
    store_call(store, replace(zh_bad, transcript=replace(zh_bad.transcript, segments=tuple(segments)),
                              meta=replace(zh_bad.meta, call_id="markup", agent_id=MARKUP_NAME, agent_name=MARKUP_NAME,
                                           started_at="2026-11-20T10:00:00+08:00")))
    store_call(store, replace(zh_good, diarization=Diarization("pyannote", 2, 0.4, reason="both speakers greet"),
                              meta=replace(zh_good.meta, call_id="unsure", agent_id="A1001", agent_name="王芳",
                                           started_at="2026-11-19T09:00:00+08:00")))
    broken = CallMeta("broken", "/nonexistent/broken.wav", "A1001", "王芳", "宽带组", "2026-11-19T11:00:00+08:00")
    store.mark_processing("broken", broken)
    store.save_failed("broken", "not a readable audio file: /nonexistent/broken.wav")
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("db") / "qc.sqlite")


@pytest.fixture(scope="module")
def report(store, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    paths = write_outputs(store.latest_calls(), out, {"processed": 5, "skipped": 0, "failed": 1, "audio_min": 3.1,
                                                      "wall_min": 2.0}, ReportOptions(audio="copy"))
    return {"out": out, "paths": paths}


def page(report, name: str) -> str:
    return (report["out"] / name).read_text(encoding="utf-8")


def call_doc(report, call_id: str) -> dict:
    return json.loads(page(report, call_file(report["out"], call_id, "json")))


def test_every_page_kind_is_written(report):
    out = report["out"]
    assert (out / "index.html").is_file()
    assert {p.name for p in (out / "agents").glob("*.html")} == {"A1000.html", "A1001.html", "E2000.html",
                                                                 f"{agent_stem(MARKUP_NAME)}.html"}
    assert {p.stem.rsplit("-", 1)[0] for p in (out / "calls").glob("*.html")} == {
        "zh-good", "zh-bad", "en-good", "en-bad", "markup", "unsure", "broken"}


def test_pages_are_self_contained(report):
    for path in [report["out"] / "index.html", *report["out"].glob("*/*.html")]:
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), path
        assert "<link" not in html and "@import" not in html, path


def test_findings_csv_has_one_row_per_rule_hit(report):
    with open(report["out"] / "findings.csv", newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == FINDING_COLUMNS
    expected = [(c, r["rule_id"]) for c in ("zh-good", "zh-bad", "en-good", "en-bad", "markup", "unsure", "broken")
                for r in call_doc(report, c)["rules"] if r["status"] == "fail"]
    assert sorted((r["call_id"], r["rule_id"]) for r in rows) == sorted(expected)
    forbidden = next(r for r in rows if r["call_id"] == "zh-bad" and r["rule_id"] == "forbidden-phrase")
    assert forbidden["agent_id"] == "A1000" and forbidden["fatal"] == "False" and forbidden["points"] == "20.0"
    assert "不知道" in forbidden["evidence"] and float(forbidden["start_s"]) < float(forbidden["end_s"])


def test_results_csv_keeps_its_columns(report):
    with open(report["out"] / "results.csv", newline="", encoding="utf-8-sig") as fh:
        rows = {r["call_id"]: r for r in csv.DictReader(fh)}
    assert tuple(next(iter(rows.values()))) == RESULT_COLUMNS
    assert rows["broken"]["status"] == "failed" and "forbidden-phrase" in rows["zh-bad"]["failed_rules"]


def test_parquet_exports_match_the_csv(report):
    pq = pytest.importorskip("pyarrow.parquet")
    findings = pq.read_table(report["out"] / "findings.parquet")
    results = pq.read_table(report["out"] / "results.parquet")
    with open(report["out"] / "findings.csv", newline="", encoding="utf-8-sig") as fh:
        assert findings.num_rows == len(list(csv.DictReader(fh)))
    assert findings.schema.field("points").type == "double" and findings.schema.field("fatal").type == "bool"
    by_call = dict(zip(results.column("call_id").to_pylist(), results.column("score").to_pylist()))
    assert by_call["zh-bad"] == call_doc(report, "zh-bad")["score"] == 45.0 and by_call["broken"] is None


def test_markup_in_names_and_transcripts_is_escaped(report):
    for name in ("index.html", f"agents/{agent_stem(MARKUP_NAME)}.html", call_file(report["out"], "markup")):
        html = page(report, name)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, name
    call = page(report, call_file(report["out"], "markup"))
    assert "<img src=x" not in call and "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in call


def test_call_page_has_player_timeline_chat_and_seekable_findings(report):
    html = page(report, call_file(report["out"], "zh-bad"))
    copy = Path(call_file(report["out"], "zh-bad")).stem + ".mp3"
    assert f'src="../audio/{copy}"' in html and 'id="timeline"' in html
    forbidden = next(r for r in call_doc(report, "zh-bad")["rules"] if r["rule_id"] == "forbidden-phrase")
    start = forbidden["evidence"][0]["start_s"]
    assert f'class="finding" data-start="{start:.3f}"' in html
    assert html.count('class="msg agent seg"') == 4 and 'class="msg customer seg"' in html
    assert "静默 7.0 秒" in html  # the scripted 7 s pause of the bad call, between two sentences


def test_low_confidence_roles_are_flagged(report):
    assert "角色判断不确定（40 %）" in page(report, call_file(report["out"], "unsure"))
    assert "角色判断不确定（40 %）" in page(report, "agents/A1001.html")
    assert "1 通角色不确定" in page(report, "index.html")
    assert "角色判断不确定" not in page(report, call_file(report["out"], "zh-good"))


def test_overview_shows_teams_batch_and_failed_calls(report):
    html = page(report, "index.html")
    assert "团队: 宽带组" in html and "团队: Cards" in html
    assert "处理 5 通" in html and "not a readable audio file" in html and "最常失分的规则" in html
    assert html.index(">小李<") < html.index(">王芳<")  # worst first: a mean of 72.5 before 100 (one call)


def test_agent_page_coaches_on_the_most_frequent_then_costly_failures(report):
    html = page(report, "agents/A1000.html")
    coaching = html[html.index("辅导要点"):html.index("分数分布")]
    first, second = coaching[:coaching.index("2. ")], coaching[coaching.index("2. "):coaching.index("3. ")]
    # each failed once in the two calls: the costlier first, with the pack's description
    assert "服务禁语" in first and "2 通中有 1 通不合格" in first and "坐席不得使用服务禁语" in first
    assert "这个我不知道" in first and f'{call_file(report["out"], "zh-bad")}#t=' in first
    assert "开场问候" in second and "2 通中有 1 通不合格" in second  # 10 points, before 报工号's 5
    assert html.index("zh-bad") < html.index("zh-good")  # worst call first


def test_agent_page_compares_with_team_norms(report):
    html = page(report, "agents/A1000.html")
    for text in ("平均分 · 团队", "坐席说话占比", "语速", "字/分钟", "<h3>合规</h3>", "<h3>服务</h3>", "<h2>情绪</h2>"):
        assert text in html, text


def test_interface_language_follows_the_rule_pack_and_can_be_chosen(store, tmp_path):
    en_only = [r for r in store.latest_calls() if r["call_id"].startswith("en-")]
    write_outputs(en_only, tmp_path / "en", options=ReportOptions(audio="none"))
    html = (tmp_path / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Team overview" in html and "团队总览" not in html
    write_outputs(en_only, tmp_path / "zh", options=ReportOptions(audio="none", ui_language="zh"))
    assert "团队总览" in (tmp_path / "zh" / "index.html").read_text(encoding="utf-8")
    assert i18n.interface_language("auto", ["zh", "en"]) == "zh"
    assert i18n.interface_language("auto", ["en", "en", "zh"]) == "en"


@needs_ffmpeg
def test_audio_is_copied_as_playable_mp3_once(report, store):
    copy = report["out"] / "audio" / (Path(call_file(report["out"], "zh-bad")).stem + ".mp3")
    head = copy.read_bytes()[:3]
    assert head == b"ID3" or head[:2] in (b"\xff\xf3", b"\xff\xf2", b"\xff\xfb")
    before = copy.stat().st_mtime_ns
    write_outputs(store.latest_calls(), report["out"], options=ReportOptions(audio="copy"))
    assert copy.stat().st_mtime_ns == before
    assert "找不到录音" in page(report, call_file(report["out"], "broken")) or "未能处理" in page(report, call_file(report["out"], "broken"))


def test_audio_link_points_at_the_recording(store, tmp_path):
    write_outputs(store.latest_calls(), tmp_path, options=ReportOptions(audio="link"))
    html = (tmp_path / call_file(tmp_path, "zh-bad")).read_text(encoding="utf-8")
    src = re.search(r'<audio id="player" controls preload="metadata" src="([^"]+)"', html).group(1)
    assert (tmp_path / "calls" / src).resolve().samefile(Path(call_path(store, "zh-bad")))
    assert "部分格式" in html and not (tmp_path / "audio").exists()


def call_path(store, call_id):
    return next(r["path"] for r in store.latest_calls() if r["call_id"] == call_id)


def test_audio_none_leaves_the_recordings_out(store, tmp_path):
    write_outputs(store.latest_calls(), tmp_path, options=ReportOptions(audio="none"))
    assert "<audio" not in (tmp_path / call_file(tmp_path, "zh-bad")).read_text(encoding="utf-8")


def test_report_command_selects_period_team_and_agent(store, tmp_path):
    runner = CliRunner()
    db = str(store.path)
    result = runner.invoke(cli, ["report", "--db", db, "--out", str(tmp_path / "a"), "--since", "2026-11-20",
                                 "--until", "2026-11-20", "--audio", "none"])
    assert result.exit_code == 0, result.output
    assert "report of 1 calls" in result.output  # only the markup call started on the 20th
    assert {p.stem.rsplit("-", 1)[0] for p in (tmp_path / "a" / "calls").glob("*.html")} == {"markup"}
    result = runner.invoke(cli, ["report", "--db", db, "--out", str(tmp_path / "t"), "--team", "Cards",
                                 "--audio", "none", "--ui-language", "en"])
    assert result.exit_code == 0 and "report of 2 calls" in result.output
    assert {p.stem for p in (tmp_path / "t" / "agents").glob("*.html")} == {"E2000"}
    assert "team Cards" in (tmp_path / "t" / "index.html").read_text(encoding="utf-8")
    result = runner.invoke(cli, ["report", "--db", db, "--out", str(tmp_path / "g"), "--agent", "A1001",
                                 "--audio", "none"])
    assert result.exit_code == 0 and "report of 2 calls" in result.output
    agent = (tmp_path / "g" / "agents" / "A1001.html").read_text(encoding="utf-8")
    assert "团队 72.5" in agent  # team norms still from the whole team: 100, 45, 100 and 45


def test_report_command_errors_are_one_line(tmp_path, store):
    result = CliRunner().invoke(cli, ["report", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "no database at" in result.output
    result = CliRunner().invoke(cli, ["report", "--db", str(store.path), "--out", str(tmp_path), "--until", "monday"])
    assert result.exit_code == 2 and "expected an ISO date" in result.output


# -- the pure parts --------------------------------------------------------------------------


def two_party_call() -> CallAnalysis:
    """Agent 0-10 s, customer 12-20 s with the agent cutting in at 15-18 s, then 8 s of silence."""
    segments = (Segment("left", "agent", 0.0, 10.0, "您好这里是客服中心请问有什么可以帮您"),
                Segment("right", "customer", 12.0, 20.0, "我的宽带坏了"),
                Segment("left", "agent", 15.0, 18.0, "我知道了"),
                Segment("right", "customer", 28.0, 30.0, "喂"))
    speech = tuple(SpeechRegion(s.speaker, s.role, s.start_s, s.end_s) for s in segments)
    return CallAnalysis(CallMeta("c", "c.wav"), AudioInfo("c.wav", 30.0, 2, "stereo-agent-left", 8000),
                        Transcript("zh", segments, speech, roles_known=True))


def test_call_metrics():
    metrics = call_metrics(two_party_call(), [(20.0, 28.0)])
    assert metrics["talk_ratio_pct"] == pytest.approx(100 * 13 / 23, abs=0.1)  # 13 s of 23 s heard
    assert metrics["silence_pct"] == pytest.approx(26.7) and metrics["longest_silence_s"] == 8.0
    assert metrics["interruptions"] == 1
    assert metrics["speech_rate"] == round(22 / (13 / 60)) and metrics["rate_unit"] == "chars_per_min"


def test_group_stats_counts_rules_and_days():
    calls = [{"status": "ok", "score": s, "passed": s >= 80, "fatal": False, "day": d, "metrics": None,
              "language": "zh",
              "rules": [{"rule_id": "greeting", "title": "开场问候", "category": "compliance", "points": 10.0,
                         "status": "fail" if s < 100 else "pass"}]}
             for s, d in ((100, "2026-11-01"), (90, "2026-11-01"), (60, "2026-11-02"))]
    stats = group_stats(calls + [{"status": "failed", "day": "2026-11-02"}])
    assert stats["mean_score"] == 83.3 and stats["pass_rate"] == 67 and stats["not_processed"] == 1
    assert stats["rules"]["greeting"]["failed"] == 2 and stats["rules"]["greeting"]["rate"] == 67
    assert stats["trend"] == [("2026-11-01", 95.0), ("2026-11-02", 60.0)]


def test_charts_escape_labels_and_count():
    svg = charts.histogram([5, 15, 15, 99, 100], "<b>scores</b>", pass_mark=80)
    assert "<b>" not in svg and "&lt;b&gt;scores&lt;/b&gt;" in svg
    assert "10–20: 2" in svg and "90–100: 2" in svg
    line = charts.trend([("agent", [("2026-11-01", 80.0), ("2026-11-02", 90.0)])], "trend")
    assert "<polyline" in line and "2026-11-02: 90" in line
    timeline = charts.call_timeline({"duration_s": 30.0, "silences": [(20.0, 28.0)], "overtalk": [(15.0, 18.0)],
                                     "marks": [{"start_s": 15.0, "end_s": 18.0, "title": "<i>x</i>"}],
                                     "lanes": [{"role": "agent", "label": "agent", "spans": [(0.0, 10.0)]}]},
                                    {"agent": "坐席"}, "who spoke when")
    assert 'data-duration="30.000"' in timeline and 'data-start="15.000"' in timeline and "&lt;i&gt;" in timeline


def test_every_interface_string_exists_in_both_languages():
    for key, (en, zh) in i18n.STRINGS.items():
        assert en and zh, key
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", zh)), key
    used = {key for path in [*TEMPLATES.glob("*.html"), *TEMPLATES.parents[1].joinpath("serve", "templates").glob("*.html")]
            for key in re.findall(r"""\bt\(\s*["']([a-z_0-9]+)["']""", path.read_text(encoding="utf-8"))}
    prefixes = {key for key in used if key.endswith("_")}  # t("cat_" ~ category)
    assert all(any(k.startswith(p) for k in i18n.STRINGS) for p in prefixes), prefixes
    assert used - prefixes <= set(i18n.STRINGS), used - prefixes - set(i18n.STRINGS)


def test_chat_marks_emotion_findings_and_sentence_labels():
    from qc.report.scorecards import call_view

    doc = {"call_id": "e", "uid": "0123456789abcdef", "agent_id": "A", "agent_name": "", "team": "", "started_at": "2026-11-21T09:00:00",
           "audio": {"path": "e.wav", "duration_s": 30.0, "channels": 2, "layout": "stereo-agent-left"},
           "language": "zh", "diarization": None, "status": "ok", "error": None, "score": 90.0, "passed": True,
           "segments": [{"speaker": "right", "role": "customer", "start_s": 12.0, "end_s": 20.0, "text": "太差了"},
                        {"speaker": "left", "role": "agent", "start_s": 21.0, "end_s": 22.0, "text": "好的",
                         "emotion": "neutral"}],
           "rules": [{"rule_id": "customer-emotion-end", "title": "客户结束时情绪", "status": "fail",
                      "severity": "major", "points": 10.0, "fatal": False, "category": "emotion", "reason": "angry",
                      "evidence": [{"start_s": 12.0, "end_s": 20.0, "text": "太差了"}]}]}
    view = call_view(doc, two_party_call(), {"mode": "none", "src": None})
    customer, agent = [item for item in view["chat"] if item["kind"] == "sentence"]
    assert customer["emotions"] == ["客户结束时情绪"] and customer["flags"] == []
    assert agent["emotions"] == ["neutral"]
    assert [(round(a), round(b)) for a, b in view["timeline"]["overtalk"]] == [(15, 18)]
    assert view["timeline"]["marks"] == [{"start_s": 12.0, "end_s": 20.0, "title": "客户结束时情绪"}]


def test_a_finding_marks_the_sentences_of_the_party_it_is_about():
    """The agent cuts in on the customer (15-18 s inside the customer's 12-20 s): the interruption is
    the agent's, so its chip goes on the agent's sentence, not on the customer's it overlaps."""
    from qc.report.scorecards import call_view

    segments = [{"speaker": s.speaker, "role": s.role, "start_s": s.start_s, "end_s": s.end_s, "text": s.text}
                for s in two_party_call().transcript.segments]
    overtalk = {"rule_id": "interrupting", "title": "抢话", "status": "fail", "severity": "minor", "points": 5.0,
                "fatal": False, "category": "service", "reason": "坐席打断客户 1 次",
                "evidence": [{"start_s": 15.0, "end_s": 18.0, "text": "坐席在客户说话 3.0 秒时插话", "role": "agent"}]}
    doc = {"call_id": "o", "uid": "0123456789abcdef", "agent_id": "A", "agent_name": "", "team": "",
           "started_at": "2026-11-21T09:00:00", "diarization": None, "status": "ok", "error": None,
           "audio": {"path": "o.wav", "duration_s": 30.0, "channels": 2, "layout": "stereo-agent-left"},
           "language": "zh", "score": 95.0, "passed": True, "segments": segments, "rules": [overtalk]}
    flags = lambda view: {item["text"]: item["flags"] for item in view["chat"] if item["kind"] == "sentence"}  # noqa: E731
    marked = flags(call_view(doc, two_party_call(), {"mode": "none", "src": None}))
    assert marked["我知道了"] == ["抢话"] and marked["我的宽带坏了"] == []
    # evidence stored before it named its party marks whoever spoke then, as it always did
    del overtalk["evidence"][0]["role"]
    assert flags(call_view(doc, two_party_call(), {"mode": "none", "src": None}))["我的宽带坏了"] == ["抢话"]


def mono_reply(customer_word_end_s: float, agent_regions=((75.1, 79.2),)) -> CallAnalysis:
    """A diarized mono call: the customer's region runs to 76.4 s, the agent's reply starts at
    75.1 s (1.3 s together by regions); the customer's last word ends at ``customer_word_end_s``."""
    customer = Segment("S1", "customer", 71.3, customer_word_end_s, "The premium ones are fine. Just get them out today.",
                       (Word(71.3, 72.0, "The"), Word(customer_word_end_s - 0.5, customer_word_end_s, "today")))
    agent = Segment("S0", "agent", 75.1, 79.2, "Will do. Let me just check.", (Word(75.1, 75.6, "Will"),))
    speech = (SpeechRegion("S1", "customer", 71.3, 76.4), *(SpeechRegion("S0", "agent", *r) for r in agent_regions))
    return CallAnalysis(CallMeta("m", "m.wav"), AudioInfo("m.wav", 80.0, 1, "mono", 8000),
                        Transcript("en", (customer, agent), speech, roles_known=True),
                        Diarization("pyannote", 2, 0.9))


def test_a_diarized_turn_stretched_past_the_last_word_is_no_interruption():
    """On 5 of 32 mono renderings of a blind batch the diarizer stretched the customer's turn a
    second or more over the agent's reply, which read as the agent cutting in."""
    stretched, talking = mono_reply(74.5), mono_reply(75.5)
    assert call_metrics(stretched, [])["interruptions"] == 0
    assert call_metrics(talking, [])["interruptions"] == 1  # the customer was still saying a word
    # two blips of the agent's voice found inside the customer's turn: 0.6 s together, not 1.1 s
    blips = mono_reply(75.5, agent_regions=((75.1, 75.4), (75.9, 76.2), (77.5, 79.2)))
    assert call_metrics(blips, [])["interruptions"] == 0
    # channels are heard separately: a stereo call's regions are not second-guessed by its words
    stereo = replace(stretched, diarization=Diarization("channels", 2, 1.0))
    assert call_metrics(stereo, [])["interruptions"] == 1
