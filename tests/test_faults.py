"""Faults a night meets, each produced the way it happens, with the line and exit code it gives
and what the next run repairs: a full disk, two runs at once, a signal, a corrupt database, a
rule that would backtrack for ever, an alias bomb, a recording that always fails, silence."""

import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from qc.cli import cli
from qc.report import files as report_files
from qc.run.lock import exclusive
from qc.run.store import Store

from helpers import tone, write_wav
from test_nights import FakeWhisper, fake_whisper, night, pages, qc  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
FAKE_QC = [sys.executable, str(ROOT / "tests" / "fake_qc.py")]


def stderr_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("qc: ")]


# -- a full disk -------------------------------------------------------------------------------


def test_disk_full_while_writing_pages_keeps_the_old_pages_and_a_rerun_repairs_them(tmp_path, monkeypatch):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440, "A1_C0002": 450})
    out = tmp_path / "out"
    assert qc("run", calls, "--out", out, "--audio", "none").exit_code == 0
    index_before = (out / "index.html").read_text(encoding="utf-8")
    stereo_more = night(tmp_path, "2026-11-21", {"A1_C0003": 460})
    real_open, opened = open, []

    def full_disk_open(path, *args, **kwargs):
        fh = real_open(path, *args, **kwargs)
        opened.append(path)
        if len(opened) > 3:  # the fourth file written hits a full disk halfway
            def write(data):
                real_write(data[: len(data) // 2])
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
            real_write = fh.write
            fh.write = write
        return fh

    monkeypatch.setattr(report_files, "open", full_disk_open, raising=False)
    result = qc("run", stereo_more, "--out", out, "--audio", "none")
    assert result.exit_code == 3, result.output
    assert stderr_lines(result)[-1].startswith("qc: stopped: writing reports to") and "disk full" in result.output
    written = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".csv", ".parquet")]
    assert all(p.stat().st_size > 0 for p in written)
    assert not [p for p in out.rglob("*.part")]
    assert (out / "index.html").read_text(encoding="utf-8") == index_before  # the old overview, whole
    monkeypatch.setattr(report_files, "open", real_open, raising=False)
    result = qc("run", stereo_more, "--out", out, "--audio", "none")
    assert result.exit_code == 0, result.output
    assert len(pages(out)) == 3 and (out / "index.html").read_text(encoding="utf-8") != index_before
    assert "3 calls: 0 processed, 3 already done" in result.output  # the new call was stored before the disk filled


def test_a_cut_audio_copy_is_never_kept_and_the_next_run_makes_it_whole(tmp_path, monkeypatch):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    out = tmp_path / "out"
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    real_ffmpeg = subprocess.run(["which", "ffmpeg"], capture_output=True, text=True).stdout.strip()
    # ffmpeg on a full disk: exits 0 after writing a third of the copy
    (fake_bin / "ffmpeg").write_text(f'#!/bin/sh\n"{real_ffmpeg}" "$@" || exit $?\n'
                                     'for last; do :; done\n'
                                     '[ -f "$last" ] || exit 0  # decoding to stdout ("-"): nothing to cut\n'
                                     'size=$(stat -c %s "$last"); truncate -s $((size / 3)) "$last"\n')
    (fake_bin / "ffmpeg").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}:{os.environ['PATH']}")
    assert qc("run", calls, "--out", out).exit_code == 0
    assert list((out / "audio").glob("*.mp3")) == [] and not list(out.rglob("*.part"))
    [doc] = pages(out)
    assert "../audio/" not in (out / doc["page"]).read_text(encoding="utf-8")  # linked to the original instead
    monkeypatch.setenv("PATH", os.environ["PATH"].split(":", 1)[1])
    assert qc("run", calls, "--out", out).exit_code == 0
    [copy] = (out / "audio").glob("*.mp3")
    duration = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                     str(copy)], capture_output=True, text=True).stdout)
    assert duration == pytest.approx(3.0, abs=0.2)
    assert f"../audio/{copy.name}" in (out / doc["page"]).read_text(encoding="utf-8")


# -- two runs at once --------------------------------------------------------------------------


def test_two_overlapping_runs_never_transcribe_a_call_twice(tmp_path):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440, "A1_C0002": 450, "A1_C0003": 460})
    log = tmp_path / "transcribed.log"
    args = ["run", str(calls), "--out", str(tmp_path / "out"), "--audio", "none"]
    first = subprocess.Popen([*FAKE_QC, "1.5", str(log), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    deadline = time.monotonic() + 60
    while not (log.exists() and log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)  # the first run holds the database once it has transcribed a channel, however slow its start
    second = subprocess.run([*FAKE_QC, "0.5", str(log), *args], capture_output=True, text=True, timeout=60)
    assert second.returncode == 4, second.stdout + second.stderr
    assert second.stderr.strip().count("\n") == 0 and "another qc process is using" in second.stderr
    assert first.wait(timeout=120) == 0, first.stdout.read()
    assert len(log.read_text().splitlines()) == 3 * 2  # each call's two channels, once
    third = subprocess.run([*FAKE_QC, "0.5", str(log), *args, "--wait", "30"], capture_output=True, text=True,
                           timeout=120)
    assert third.returncode == 0 and "3 already done" in third.stderr


def test_a_waiting_run_goes_ahead_when_the_other_finishes(tmp_path):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    db = tmp_path / "out" / "qc.sqlite"
    held, release = threading.Event(), threading.Event()

    def other_run():  # holds the database until told, however long the first qc takes to start
        with exclusive(db):
            held.set()
            release.wait(60)

    thread = threading.Thread(target=other_run)
    thread.start()
    held.wait()
    assert qc("run", calls, "--out", tmp_path / "out").exit_code == 4
    threading.Timer(1.5, release.set).start()  # the other run ends while this one waits
    result = qc("run", calls, "--out", tmp_path / "out", "--wait", "20")
    thread.join()
    assert result.exit_code == 0, result.output


def test_many_processes_opening_a_new_database_at_once_all_succeed(tmp_path):
    code = ("import sys; sys.path.insert(0, sys.argv[2]); from qc.run.store import Store; "
            "Store(sys.argv[1]).latest_calls()")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "new.sqlite"), str(ROOT)],
                              stderr=subprocess.PIPE, text=True) for _ in range(12)]
    errors = [p.stderr.read() for p in procs if p.wait(timeout=60) != 0]
    assert errors == []



def test_opening_a_database_whose_write_lock_another_process_holds_waits_for_it(tmp_path):
    """Turning a new database to WAL upgrades a read lock to a write lock, and SQLite answers that
    upgrade "locked" at once, without waiting, while another connection writes (CI saw it with 12 at once)."""
    path = tmp_path / "new.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, other.execute, ("COMMIT",))
    release.start()
    try:
        assert Store(path).latest_calls() == []
    finally:
        release.join()
        other.close()

# -- a signal ----------------------------------------------------------------------------------


def test_sigterm_stops_after_the_current_step_writes_the_pages_and_the_next_run_finishes(tmp_path):
    calls = night(tmp_path, "2026-11-21", {f"A1_C000{i}": 400 + 10 * i for i in range(1, 6)})
    log, out = tmp_path / "transcribed.log", tmp_path / "out"
    args = ["run", str(calls), "--out", str(out), "--audio", "none"]
    proc = subprocess.Popen([*FAKE_QC, "0.4", str(log), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    while (not log.exists() or len(log.read_text().splitlines()) < 4) and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "qc: stopped by SIGTERM" in stderr and "left for the next run" in stderr
    assert (out / "index.html").is_file()
    done = [d for d in pages(out) if d["status"] == "ok"]
    assert 1 <= len(done) < 5
    store = Store(out / "qc.sqlite")  # what was in progress is marked stopped, not failed
    assert all(r["error"] == "interrupted" and r["attempts"] == 0
               for r in store.latest_calls() if r["status"] == "processing")
    store.close()
    rerun = subprocess.run([*FAKE_QC, "0", str(log), *args], capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert len([d for d in pages(out) if d["status"] == "ok"]) == 5


# -- a corrupt database, a rule that would hang, an alias bomb ---------------------------------


@pytest.mark.parametrize("command", ["run", "report", "score"])
def test_a_corrupt_database_is_one_line_and_exit_3_before_any_work(tmp_path, command):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    out = tmp_path / "out"
    out.mkdir()
    (out / "qc.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    args = {"run": ["run", calls, "--out", out], "report": ["report", "--out", out],
            "score": ["score", "--db", out / "qc.sqlite"]}[command]
    started = time.monotonic()
    result = qc(*args)
    assert result.exit_code == 3, result.output
    [line] = stderr_lines(result)
    assert "qc.sqlite" in line and "move it aside" in line
    assert time.monotonic() - started < 10


def test_a_catastrophic_regex_rule_is_checked_and_runs_in_linear_time(tmp_path):
    rules = tmp_path / "redos.yaml"
    rules.write_text("name: redos\nrules:\n  - id: words-only\n    title: W\n    points: 5\n"
                     "    forbid: {check: regex, role: agent, pattern: '^(\\\\w+\\\\s?)+$'}\n", encoding="utf-8")
    check = subprocess.run([sys.executable, "-m", "qc.cli", "rules", "check", str(rules)], capture_output=True,
                           text=True, timeout=30, cwd=ROOT)
    assert check.returncode == 0, check.stderr
    cases = tmp_path / "cases.yaml"
    evil = "a " * 5000 + "!"
    cases.write_text(f"rules: redos.yaml\ncases:\n  - name: evil\n    rule: words-only\n    expect: pass\n"
                     f"    transcript: |\n      agent 0.0 9.0 {evil}\n", encoding="utf-8")
    started = time.monotonic()
    tested = subprocess.run([sys.executable, "-m", "qc.cli", "rules", "test", str(cases)], capture_output=True,
                            text=True, timeout=30, cwd=ROOT)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert time.monotonic() - started < 30


def test_a_regex_the_linear_engine_cannot_run_is_a_rule_error(tmp_path):
    rules = tmp_path / "look.yaml"
    rules.write_text("name: look\nrules:\n  - id: no-lookbehind\n    title: L\n"
                     "    forbid: {check: regex, role: agent, pattern: '(?<!不)保证'}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(rules)])
    assert result.exit_code == 2
    [line] = stderr_lines(result)
    assert 'rule "no-lookbehind"' in line and "look-around" in line and "exclude" in line


def test_an_alias_bomb_rule_file_is_one_line_in_milliseconds(tmp_path):
    levels = ["a: &a [" + ",".join(['"lol"'] * 9) + "]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(levels) + "\nrules: []\n", encoding="utf-8")
    assert bomb.stat().st_size < 1024
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["rules", "check", str(bomb)])
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    [line] = stderr_lines(result)
    assert "alias" in line and str(bomb) in line


# -- a recording that always fails, silence ----------------------------------------------------


def test_a_permanently_broken_recording_is_quarantined_after_three_nights(tmp_path):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    (calls / "20261121-093000_A1_BROKEN.wav").write_bytes(b"RIFF....WAVEnot really audio")
    out = tmp_path / "out"
    codes = [qc("run", calls, "--out", out, "--audio", "none").exit_code for _ in range(3)]
    assert codes == [1, 1, 1]
    fourth = qc("run", calls, "--out", out, "--audio", "none")
    assert fourth.exit_code == 0 and "1 quarantined" in fourth.output
    broken = next(d for d in pages(out) if d["call_id"] == "BROKEN")
    assert broken["status"] == "quarantined" and "失败 3 次后已隔离" in broken["error"]  # a zh night: zh pages
    assert "BROKEN" in (out / "index.html").read_text(encoding="utf-8")
    retried = qc("run", calls, "--out", out, "--audio", "none", "--retry-quarantined")
    assert retried.exit_code == 1 and "qc: failed: BROKEN" in retried.output


def test_a_recording_that_kills_the_process_is_quarantined_and_the_rest_of_the_night_done(tmp_path):
    """A call whose analysis kills qc itself (a library crash, the out-of-memory killer; with one
    worker or a GPU it runs in the batch's process) is retried, but not every night for ever."""
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440, "A1_C0003": 460})
    write_wav(calls / "20261121-093008_A1_C0002.wav", [tone(3.0, 450, amp=0.9), tone(3.0, 225, amp=0.1)])
    log, out = tmp_path / "transcribed.log", tmp_path / "out"
    args = ["run", str(calls), "--out", str(out), "--audio", "none", "--workers", "1"]
    env = {**os.environ, "FAKE_QC_KILL_ABOVE": "0.5"}
    for _ in range(3):  # killed at the poison call each time
        run = subprocess.run([*FAKE_QC, "0", str(log), *args], capture_output=True, text=True, timeout=120, env=env)
        assert run.returncode == -signal.SIGKILL, run.stderr
    fourth = subprocess.run([*FAKE_QC, "0", str(log), *args], capture_output=True, text=True, timeout=120, env=env)
    assert fourth.returncode == 0, fourth.stderr
    assert "1 processed, 1 already done, 1 quarantined" in fourth.stderr  # C0003 came after the poison
    store = Store(out / "qc.sqlite")
    rows = {r["call_id"]: r for r in store.latest_calls()}
    store.close()
    assert rows["C0002"]["status"] == "quarantined" and rows["C0002"]["attempts"] == 3
    assert "程序意外结束" in rows["C0002"]["error"]
    assert [rows[c]["status"] for c in ("C0001", "C0003")] == ["ok", "ok"]


def test_a_call_stopped_by_a_signal_is_not_counted_as_a_failure(tmp_path):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    out = tmp_path / "out"
    assert qc("run", calls, "--out", out, "--audio", "none").exit_code == 0
    store = Store(out / "qc.sqlite")  # failed twice before, then in progress when a signal stopped the run
    store.db.execute("UPDATE calls SET status = 'processing', attempts = 2")
    store.interrupted()
    store.close()
    again = qc("run", calls, "--out", out, "--audio", "none")
    assert again.exit_code == 0 and "1 processed" in again.output and "quarantined" not in again.output


def test_silence_is_an_empty_call_not_a_perfect_score(tmp_path):
    folder = tmp_path / "night"
    folder.mkdir()
    write_wav(folder / "20261121-093000_A1_SILENT.wav", [tone(3.0, amp=0.0), tone(3.0, amp=0.0)])
    out = tmp_path / "out"
    result = qc("run", folder, "--out", out, "--audio", "none")
    assert result.exit_code == 0, result.output
    [doc] = pages(out)
    assert doc["status"] == "empty" and doc["score"] is None and doc["passed"] is None
    assert "没有听到说话" in doc["error"]  # a zh night: said in its pack's language
    assert "没有听到说话" in (out / "index.html").read_text(encoding="utf-8")
    assert "1 already done" in qc("run", folder, "--out", out, "--audio", "none").output  # not retried


# -- inputs ------------------------------------------------------------------------------------


def test_a_folder_qc_cannot_list_fails_the_night_visibly(tmp_path, monkeypatch):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    locked = calls / "locked"
    locked.mkdir()
    real = os.scandir

    def scandir(path="."):
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = qc("run", calls, "--out", tmp_path / "out", "--audio", "none")
    assert result.exit_code == 1
    assert any(line.startswith("qc: failed:") and "locked" in line and "Permission denied" in line
               for line in stderr_lines(result))
    assert len(pages(tmp_path / "out")) == 1  # the rest of the night was processed


@pytest.mark.parametrize("column,value,message", [("language", "xx", "unknown language 'xx'"),
                                                  ("started_at", "yesterday", "started_at 'yesterday'")])
def test_invalid_manifest_values_are_one_line_and_exit_2(tmp_path, column, value, message):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    wav = next(calls.glob("*.wav"))
    manifest = calls / "m.csv"
    manifest.write_text(f"call_id,file,{column}\nC1,{wav.name},{value}\n", encoding="utf-8")
    result = qc("run", "--manifest", manifest, "--out", tmp_path / "out")
    assert result.exit_code == 2
    [line] = stderr_lines(result)
    assert message in line and "m.csv:2" in line


def test_manifest_language_in_capitals_and_excel_times_are_understood(tmp_path):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    wav = next(calls.glob("*.wav"))
    manifest = calls / "m.csv"
    manifest.write_text(f"call_id,file,language,started_at\nC1,{wav.name},ZH,2026/11/21 9:30\n", encoding="utf-8")
    assert qc("run", "--manifest", manifest, "--out", tmp_path / "out", "--audio", "none").exit_code == 0
    [doc] = pages(tmp_path / "out")
    assert doc["language"] == "zh" and doc["started_at"] == "2026-11-21T09:30:00"


def test_stereo_with_the_agent_on_the_right_is_noticed_without_a_manifest(tmp_path):
    folder = tmp_path / "night"
    folder.mkdir()
    # the customer on the left (quiet, asks), the agent on the right (loud, greets)
    write_wav(folder / "20261121-093000_A1_R.wav", [tone(3.0, 300, amp=0.1), tone(3.0, amp=0.3)])
    out = tmp_path / "out"
    assert qc("run", folder, "--out", out, "--audio", "none").exit_code == 0
    [doc] = pages(out)
    assert doc["audio"]["layout"] == "stereo-agent-right"
    assert {s["speaker"]: s["role"] for s in doc["segments"]} == {"right": "agent", "left": "customer"}
    assert "坐席在右声道，而不是通常的左声道" in doc["diarization"]["reason"]  # agent found on the right channel
    # a layout the manifest gives is kept, but a contradiction is flagged instead of trusted blindly
    manifest = folder / "m.csv"
    manifest.write_text("call_id,file,channels_layout\nR2,20261121-093000_A1_R.wav,stereo-agent-left\n")
    assert qc("run", "--manifest", manifest, "--out", tmp_path / "out2", "--audio", "none").exit_code == 0
    [doc] = pages(tmp_path / "out2")
    assert doc["audio"]["layout"] == "stereo-agent-left" and doc["diarization"]["low_confidence"]


def test_channels_beyond_the_second_are_said_not_dropped_silently(tmp_path):
    folder = tmp_path / "night"
    folder.mkdir()
    write_wav(folder / "20261121-093000_A1_Q.wav",
              [tone(3.0, amp=0.3), tone(3.0, 300, amp=0.1), tone(3.0, 500, amp=0.2), tone(3.0, 600, amp=0.2)])
    assert qc("run", folder, "--out", tmp_path / "out", "--audio", "none").exit_code == 0
    [doc] = pages(tmp_path / "out")
    assert doc["audio"]["channels"] == 4 and "只分析了前两个" in doc["diarization"]["reason"]  # a zh night's note
    assert "只分析了前两个" in (tmp_path / "out" / doc["page"]).read_text(encoding="utf-8")


# -- spreadsheets ------------------------------------------------------------------------------


def test_csv_cells_that_excel_would_run_are_neutralised_and_the_file_has_a_bom(tmp_path):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    wav = next(calls.glob("*.wav"))
    manifest = calls / "m.csv"
    manifest.write_text('call_id,file,agent_id,agent_name,team\n'
                        f'C1,{wav.name},A1,"=HYPERLINK(""http://evil/""; ""x"")",@SUM(1)\n', encoding="utf-8")
    out = tmp_path / "out"
    assert qc("run", "--manifest", manifest, "--out", out, "--audio", "none").exit_code == 0
    raw = (out / "results.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    import csv
    [row] = csv.DictReader((out / "results.csv").open(encoding="utf-8-sig"))
    assert row["agent_name"] == '\'=HYPERLINK("http://evil/"; "x")' and row["team"] == "'@SUM(1)"
    for name in ("results.csv", "findings.csv"):
        for cells in csv.reader((out / name).open(encoding="utf-8-sig")):
            assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
