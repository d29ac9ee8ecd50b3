"""Subtitles and transcripts out: srt, vtt and txt per call, labelled agent/customer in the call's
language, chosen with `--formats` over the writer table, and accepted by ffmpeg as subtitles."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qc.report import subtitles
from qc.report.exports import WRITERS, parse_formats, write_exports
from qc.schema import AudioInfo, CallAnalysis, CallMeta, Segment, Transcript, call_json

from helpers import call_file
from test_nights import fake_whisper, night, pages, qc  # noqa: F401 (fake_whisper: the autouse fixture)

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed (make installs it)")
ZH = [Segment("SPEAKER_00", "unknown", 0.0004, 1.9996, "喂，你好"),
      Segment("left", "agent", 0.5, 2.0, "您好，星河通信客服，\n工号 1024"),
      Segment("right", "customer", 2.1, 3.0, "我的宽带坏了"),
      Segment("SPEAKER_07", "unknown", 3725.4567, 3726.0, "<b>再见</b> --> & 谢谢"),
      Segment("SPEAKER_00", "unknown", 3726.5, 3727.0, "好")]
EN = [Segment("left", "agent", 0.5, 2.25, "Thank you for calling, this is Sam"),
      Segment("right", "customer", 2.5, 4.0, "Hi, my card was charged twice")]


def doc(segments, language="zh", call_id="C1", uid="0123456789abcdef", status="ok") -> dict:
    meta = CallMeta(call_id, f"/calls/{call_id}.wav", "A1", "王芳", "宽带组", "2026-11-21T09:30:00+08:00")
    analysis = CallAnalysis(meta, AudioInfo(meta.path, 3727.5, 2, "stereo-agent-left", 8000),
                            Transcript(language, tuple(segments), roles_known=True))
    return call_json(meta, analysis, None, uid=uid, status=status)


def test_srt_vtt_and_txt_of_a_chinese_call():
    call = doc(ZH)
    assert subtitles.srt(call) == (
        "1\n00:00:00,000 --> 00:00:02,000\n说话人 1：喂，你好\n\n"
        "2\n00:00:00,500 --> 00:00:02,000\n坐席：您好，星河通信客服， 工号 1024\n\n"
        "3\n00:00:02,100 --> 00:00:03,000\n客户：我的宽带坏了\n\n"
        "4\n01:02:05,457 --> 01:02:06,000\n说话人 2：<b>再见</b> -> & 谢谢\n\n"
        "5\n01:02:06,500 --> 01:02:07,000\n说话人 1：好\n")
    assert subtitles.vtt(call).splitlines()[:4] == ["WEBVTT", "", "00:00:00.000 --> 00:00:02.000",
                                                     "<v 说话人 1>说话人 1：喂，你好</v>"]
    assert "01:02:05.457 --> 01:02:06.000\n<v 说话人 2>说话人 2：&lt;b&gt;再见&lt;/b&gt; --&gt; &amp; 谢谢</v>\n" \
        in subtitles.vtt(call)
    assert subtitles.txt(call).splitlines()[1:4] == ["[00:00:00] 坐席：您好，星河通信客服， 工号 1024",
                                                     "[00:00:02] 客户：我的宽带坏了",
                                                     "[01:02:05] 说话人 2：<b>再见</b> --> & 谢谢"]


def test_english_calls_are_labelled_in_english():
    call = doc(EN, language="en")
    assert subtitles.srt(call).splitlines()[:3] == ["1", "00:00:00,500 --> 00:00:02,250",
                                                     "Agent: Thank you for calling, this is Sam"]
    assert subtitles.txt(call) == ("[00:00:00] Agent: Thank you for calling, this is Sam\n"
                                   "[00:00:02] Customer: Hi, my card was charged twice\n")


@pytest.mark.parametrize("seconds,srt_time", [(0, "00:00:00,000"), (59.9996, "00:01:00,000"), (61.0004, "00:01:01,000"),
                                              (3599.9994, "00:59:59,999"), (36001.2346, "10:00:01,235"),
                                              (-0.2, "00:00:00,000")])
def test_times_are_rounded_to_the_millisecond_with_hours(seconds, srt_time):
    assert subtitles.clock(seconds, ",") == srt_time
    assert subtitles.clock(seconds) == srt_time.replace(",", ".")


def ffmpeg_dialogues(path: Path) -> list[str]:
    """The subtitle events ffmpeg reads from ``path`` (converted to ASS); fails when ffmpeg refuses it."""
    result = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "ass", "-"],
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0 and not result.stderr, (path.name, result.stderr)
    return [line for line in result.stdout.splitlines() if line.startswith("Dialogue:")]


@needs_ffmpeg
@pytest.mark.parametrize("segments,language,first", [
    (ZH, "zh", "0:00:00.00,0:00:02.00,Default,,0,0,0,,说话人 1：喂，你好"),
    (EN, "en", "0:00:00.50,0:00:02.25,Default,,0,0,0,,Agent: Thank you for calling, this is Sam")])
def test_ffmpeg_reads_the_srt_and_vtt_files_as_subtitles(tmp_path, segments, language, first):
    (tmp_path / "calls").mkdir()
    call = doc(segments, language)
    write_exports([call], {}, tmp_path, formats=("srt", "vtt", "txt"))
    for ext in ("srt", "vtt"):
        events = ffmpeg_dialogues(tmp_path / call_file(tmp_path, "C1", ext))
        assert len(events) == len(segments) and events[0].endswith(first), events
    if language == "zh":
        assert events[-1].endswith("1:02:06.50,1:02:07.00,Default,,0,0,0,,说话人 1：好")
    assert len((tmp_path / call_file(tmp_path, "C1", "txt")).read_text(encoding="utf-8").splitlines()) == len(segments)
    assert sorted(p.suffix for p in (tmp_path / "calls").iterdir()) == [".srt", ".txt", ".vtt"]  # nothing else


def test_a_call_with_no_sentence_gets_no_subtitle_file_and_loses_an_earlier_one(tmp_path):
    (tmp_path / "calls").mkdir()
    write_exports([doc(EN, "en")], {}, tmp_path, formats=("srt", "vtt", "txt"))
    assert len(list((tmp_path / "calls").iterdir())) == 3
    for empty in (doc([], "en", status="empty"), doc([Segment("left", "agent", 1.0, 2.0, "  ")], "en")):
        assert subtitles.srt(empty) is subtitles.vtt(empty) is subtitles.txt(empty) is None
        write_exports([empty], {}, tmp_path, formats=("srt", "vtt", "txt"))
        assert list((tmp_path / "calls").iterdir()) == []  # an empty SRT is no subtitle file (ffmpeg refuses it)


def test_formats_are_names_of_the_writer_table():
    assert parse_formats("txt, SRT") == ("srt", "txt")  # table order
    assert parse_formats("all") == tuple(WRITERS)
    with pytest.raises(ValueError, match="unknown format docx: expected a comma-separated list of json, rttm, srt"):
        parse_formats("srt,docx")
    with pytest.raises(ValueError):
        parse_formats(",")


def test_run_help_names_every_format_of_the_table():
    help_text = " ".join(qc("run", "--help").output.split())
    for name in WRITERS:
        assert re.search(rf"\b{name}\b", help_text), name


@needs_ffmpeg
def test_qc_run_formats_writes_subtitles_ffmpeg_accepts_and_only_what_was_asked(tmp_path):
    out = tmp_path / "reports"
    folder = night(tmp_path / "calls", "2026-11-21", {"A1_C0001": 440, "A2_C0002": 450})
    assert qc("run", folder, "--out", out, "--audio", "none").exit_code == 0
    assert len(pages(out)) == 2 and (out / "results.csv").is_file() and not list(out.glob("calls/*.srt"))
    for old in [out / "results.csv", *out.glob("calls/*.json")]:
        old.unlink()
    # the calls are done and unchanged; their subtitles are written all the same, and nothing else
    result = qc("run", folder, "--out", out, "--formats", "srt,vtt,txt", "--audio", "none")
    assert result.exit_code == 0, result.output
    written = sorted(p.suffix for p in (out / "calls").iterdir())
    assert written == [".html"] * 2 + [".srt"] * 2 + [".txt"] * 2 + [".vtt"] * 2
    assert not (out / "results.csv").exists()
    for ext in ("srt", "vtt"):  # the fake recogniser: the agent greets at 0.5 s, the customer answers at 2 s
        assert [e.split(",", 1)[1] for e in ffmpeg_dialogues(out / call_file(out, "C0001", ext))] == [
            "0:00:00.50,0:00:01.50,Default,,0,0,0,,坐席：您好，星河通信客服，再见",
            "0:00:02.00,0:00:03.00,Default,,0,0,0,,客户：你好"]
    for old in out.glob("calls/*.txt"):
        old.unlink()
    assert qc("report", "--out", out, "--formats", "txt", "--audio", "none").exit_code == 0  # qc report takes it too
    assert len(list(out.glob("calls/*.txt"))) == 2 and not (out / "results.csv").exists()
    result = qc("purge", "--before", "2026-11-22", "--out", out)
    assert result.exit_code == 0 and list((out / "calls").iterdir()) == []


def test_an_unknown_format_is_a_usage_error_naming_the_choices(tmp_path):
    result = qc("run", tmp_path, "--formats", "srt,docx", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "json, rttm, srt, vtt, txt, csv, parquet, or all" in result.output
    assert not (tmp_path / "out").exists()


def test_redacted_subtitles_and_transcripts_are_masked(tmp_path, monkeypatch):
    from test_privacy import CLEAR, night_with

    folder = night_with(tmp_path, monkeypatch, "20261121-093000_A1_C1.wav")
    out = tmp_path / "out"
    assert qc("run", folder, "--out", out, "--audio", "none", "--formats", "srt,vtt,txt", "--redact").exit_code == 0
    for ext in ("srt", "vtt", "txt"):
        text = (out / call_file(out, "C1", ext)).read_text(encoding="utf-8")
        assert "*******八零零零" in text and "@example.com" in text, ext
        assert not any(clear in text for clear in CLEAR), ext
