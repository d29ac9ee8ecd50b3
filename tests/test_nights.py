"""Night after night, as a call centre runs qc: call identity, outputs that never overwrite
each other, manifests as they arrive (late, from Excel in GBK), cron from another folder.

The recogniser is a fake (see test_pipeline.ScriptedTranscriber) so that the whole CLI runs
in seconds; everything else is qc as installed.
"""

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qc.cli import cli

from helpers import tone, write_wav
from test_pipeline import ScriptedTranscriber


class FakeWhisper(ScriptedTranscriber):
    """Stands in for WhisperTranscriber in `qc run` (same constructor)."""

    def __init__(self, options=None, model_path=None, cpu_threads=0, num_workers=1):
        super().__init__()


@pytest.fixture(autouse=True)
def fake_whisper(monkeypatch):
    from qc.analysis import asr

    monkeypatch.setattr(asr, "WhisperTranscriber", FakeWhisper)


def stereo(path: Path, freq: float) -> Path:
    """A two-channel call whose bytes are its own (the frequency), agent loud on the left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_wav(path, [tone(3.0, freq, amp=0.3), tone(3.0, freq / 2, amp=0.1)])


def qc(*args, cwd: Path | None = None):
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result


def pages(out: Path) -> list[dict]:
    """The published call documents, each with the page it is shown on (named like its JSON)."""
    return [{**json.loads(p.read_text(encoding="utf-8")), "page": f"calls/{p.stem}.html"}
            for p in sorted((out / "calls").glob("*.json"))]


def night(root: Path, day: str, freqs: dict[str, float]) -> Path:
    """A night's folder of PBX files named <time>_<agent>_<call id>.wav (ids reset every day)."""
    folder = root / day
    for name, freq in freqs.items():
        stereo(folder / f"{day.replace('-', '')}-0930{len(name):02d}_{name}.wav", freq)
    return folder


def test_daily_reset_ids_colliding_ids_and_identical_recordings_each_keep_their_own_page(tmp_path):
    out, db = tmp_path / "reports", tmp_path / "qc.sqlite"
    first = night(tmp_path / "calls", "2026-11-21", {"A1_C0001": 440, "A1_C0002": 450})
    assert qc("run", first, "--out", out, "--db", db).exit_code == 0
    second = night(tmp_path / "calls", "2026-11-22", {"A2_C0001": 460, "A2_C0002": 470})
    # colliding ids once made safe for a file name, and one recording under two ids
    stereo(second / "weird" / "x.wav", 480)
    manifest = second / "extra.csv"
    twin = second / "20261122-101000_A3_C0001.wav"
    twin.write_bytes((second / "20261122-093008_A2_C0001.wav").read_bytes())
    manifest.write_text("call_id,file,agent_id\n"
                        "a/b,weird/x.wav,A3\n"
                        f"a_b,{(second / '20261122-093008_A2_C0002.wav').name},A4\n"
                        f"..,{twin.name},A3\n", encoding="utf-8")
    result = qc("run", second, "--manifest", manifest, "--out", out, "--db", db)
    assert result.exit_code == 0, result.output

    docs = pages(out)
    ids = sorted((d["started_at"][:10], d["call_id"]) for d in docs)
    assert ids.count(("2026-11-21", "C0001")) == 1 and ids.count(("2026-11-22", "C0001")) == 1
    assert {"a/b", "a_b", ".."} <= {d["call_id"] for d in docs}
    assert len(docs) == len({d["uid"] for d in docs}) == 6  # night 1: 2; night 2: C0001, a/b, a_b, its twin ..
    # every call its own page and its own audio copy, named apart
    page_names = [d["page"] for d in docs]
    assert len(set(page_names)) == len(page_names)
    for doc in docs:
        html = (out / doc["page"]).read_text(encoding="utf-8")
        assert doc["call_id"] in html or doc["call_id"] == ".."
        audio = [p for p in (out / "audio").glob("*.mp3") if p.stem == Path(doc["page"]).stem]
        assert len(audio) == 1 and audio[0].stat().st_size > 0
    rows = list(csv.DictReader((out / "results.csv").open(encoding="utf-8-sig")))
    assert sorted(r["call_uid"] for r in rows) == sorted(d["uid"] for d in docs)
    # the first night's agent still has its first-night call, linked to its own page
    agent = (out / "agents" / "A1.html").read_text(encoding="utf-8")
    first_c1 = next(d for d in docs if d["call_id"] == "C0001" and d["agent_id"] == "A1")
    assert first_c1["page"].split("/")[1] in agent


def test_out_inside_the_input_folder_is_not_read_as_calls(tmp_path):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    out = calls / "reports"
    assert qc("run", calls, "--out", out).exit_code == 0
    result = qc("run", calls, "--out", out)
    assert result.exit_code == 0, result.output
    assert "1 calls: 0 processed, 1 already done" in result.output
    assert len(pages(out)) == 1


def test_qc_report_from_another_folder_finds_the_recordings(tmp_path):
    calls = night(tmp_path / "data", "2026-11-21", {"A1_C0001": 440})
    out = tmp_path / "reports"
    assert qc("run", calls.relative_to(tmp_path), "--out", out, "--audio", "link", cwd=tmp_path).exit_code == 0
    elsewhere = tmp_path / "cron-home"
    elsewhere.mkdir()
    result = qc("report", "--out", out, "--audio", "link", cwd=elsewhere)
    assert result.exit_code == 0, result.output
    [doc] = pages(out)
    assert Path(doc["audio"]["path"]).is_absolute()
    html = (out / doc["page"]).read_text(encoding="utf-8")
    assert "找不到录音" not in html and "recording not found" not in html.lower()


def test_a_late_or_corrected_manifest_updates_done_calls_without_transcribing_again(tmp_path, monkeypatch):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    out = tmp_path / "reports"
    assert qc("run", calls, "--out", out).exit_code == 0
    wav = next(calls.glob("*.wav"))
    manifest = calls / "manifest.csv"
    manifest.write_text("call_id,file,agent_id,agent_name,team,started_at\n"
                        f"C0001,{wav.name},A9,王芳,宽带组,2026-11-21T09:30:00+08:00\n", encoding="utf-8")

    def no_transcribing(self, samples, language):
        raise AssertionError("a done call was transcribed again")

    monkeypatch.setattr(FakeWhisper, "transcribe", no_transcribing)
    result = qc("run", calls, "--manifest", manifest, "--out", out)
    assert result.exit_code == 0, result.output
    [doc] = pages(out)
    assert (doc["agent_id"], doc["agent_name"], doc["team"]) == ("A9", "王芳", "宽带组")
    rows = list(csv.DictReader((out / "results.csv").open(encoding="utf-8-sig")))
    assert [(r["agent_id"], r["team"]) for r in rows] == [("A9", "宽带组")]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "宽带组" in index and "A9" in index


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_manifest_from_excel_in_any_common_encoding(tmp_path, encoding):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    wav = next(calls.glob("*.wav"))
    manifest = calls / "manifest.csv"
    manifest.write_bytes(("call_id,file,agent_id,agent_name,team\n"
                          f"C0001,{wav.name},A1,王芳,宽带组\n").encode(encoding))
    result = qc("run", calls, "--manifest", manifest, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    [doc] = pages(tmp_path / "out")
    assert (doc["agent_name"], doc["team"]) == ("王芳", "宽带组")


def test_manifest_in_an_unknown_encoding_is_one_line_and_exit_2(tmp_path):
    calls = night(tmp_path, "2026-11-21", {"A1_C0001": 440})
    manifest = calls / "manifest.csv"
    manifest.write_bytes(b"call_id,file\n\xff\xfe\x00\x81\x30,\xff.wav\n")
    result = qc("run", calls, "--manifest", manifest, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "encoding" in result.output


def test_the_next_night_rewrites_only_what_changed(tmp_path):
    out = tmp_path / "reports"
    first = night(tmp_path / "calls", "2026-11-21", {"A1_C0001": 440, "A1_C0002": 450, "A2_C0003": 455})
    assert qc("run", first, "--out", out, "--audio", "none").exit_code == 0
    before = {p.name: p.stat().st_mtime_ns for p in (out / "calls").iterdir()}
    index_before = (out / "index.html").stat().st_mtime_ns
    second = night(tmp_path / "calls", "2026-11-22", {"A1_C0001": 460})
    assert qc("run", second, "--out", out, "--audio", "none").exit_code == 0
    after = {p.name: p.stat().st_mtime_ns for p in (out / "calls").iterdir()}
    assert {name: after[name] for name in before} == before  # last night's pages and JSON untouched
    assert len(after) == len(before) + 2  # the new call's page and JSON
    assert (out / "index.html").stat().st_mtime_ns > index_before
    assert "C0001" in (out / "agents" / "A1.html").read_text(encoding="utf-8")
    (out / ".qc-report.json").unlink()  # no record of what is there: everything is written again
    assert qc("report", "--out", out, "--audio", "none").exit_code == 0
    assert all((out / "calls" / name).stat().st_mtime_ns > stamp for name, stamp in after.items())


def test_purge_removes_old_audio_copies_or_old_calls_and_they_stay_gone(tmp_path):
    out = tmp_path / "reports"
    first = night(tmp_path / "calls", "2026-11-21", {"A1_C0001": 440, "A9_C0002": 450})
    second = night(tmp_path / "calls", "2026-11-22", {"A1_C0001": 460})
    for folder in (first, second):
        assert qc("run", folder, "--out", out).exit_code == 0
    assert len(list((out / "audio").glob("*.mp3"))) == 3
    result = qc("purge", "--before", "2026-11-22", "--out", out, "--audio-only")
    assert result.exit_code == 0 and "removed 2 audio copies" in result.output
    assert len(pages(out)) == 3 and len(list((out / "audio").glob("*.mp3"))) == 1
    assert qc("run", first, "--out", out).exit_code == 0  # the next night copies them no more
    assert len(list((out / "audio").glob("*.mp3"))) == 1
    old = next(d for d in pages(out) if d["started_at"].startswith("2026-11-21"))
    assert "../audio/" not in (out / old["page"]).read_text(encoding="utf-8")
    result = qc("purge", "--before", "2026-11-22", "--out", out)
    assert result.exit_code == 0 and "removed 2 calls" in result.output
    assert [d["started_at"][:10] for d in pages(out)] == ["2026-11-22"]
    rows = list(csv.DictReader((out / "results.csv").open(encoding="utf-8-sig")))
    assert [r["call_id"] for r in rows] == ["C0001"]
    assert not (out / "agents" / "A9.html").exists()  # an agent with no call left has no page
    from qc.run.store import Store

    assert len(Store(out / "qc.sqlite").latest_calls()) == 1
