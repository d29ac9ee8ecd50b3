"""bench/gpu.py, the GPU check for a lent machine, checked here without one: the inputs it
makes and how it reads qc's stage line."""

import csv

from bench import gpu

STAGES = ("2026-12-01 19:19:08,509 INFO qc.stages: time by stage (all workers, 52.1 s wall): diarization 44.5 s "
          "(85 %), asr 6.5 s (13 %), analysis 0.7 s (1 %), pages 0.3 s (1 %), vad 0.2 s (0 %), language 0.0 s (0 %)\n")


def test_the_stage_line_splits_into_gpu_and_cpu_stages():
    wall_s, stages = gpu.parse_stages("noise\n" + STAGES)
    assert wall_s == 52.1 and stages["diarization"] == 44.5 and len(stages) == 6
    result = gpu.Result("mono", 8, 26.7, 56.0, wall_s, 1200, stages)
    assert result.split() == "GPU stages 51.0 s, CPU stages 1.2 s"
    assert round(result.rtf, 2) == 1.95
    assert gpu.parse_stages("no such line") == (None, {})


def test_sets_are_the_sample_calls_stereo_mono_and_looped(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu, "WORK", tmp_path)
    sets = gpu.make_sets(long_minutes=1)
    assert round(sets["stereo"][1]) == round(sets["mono"][1]) == 129
    assert sets["long-mono"][1] >= 4 * 60
    rows = list(csv.DictReader((sets["mono"][0] / "manifest.csv").open(encoding="utf-8")))
    assert {row["channels_layout"] for row in rows} == {"mono"} and len(rows) == 4
    frames, rate = gpu.read_wav(sets["mono"][0] / rows[0]["file"])
    assert frames.shape[1] == 1 and rate == 8000


def test_dry_run_prints_the_commands_and_runs_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gpu, "WORK", tmp_path)
    monkeypatch.setattr(gpu, "PARTS", tmp_path / "parts")
    assert gpu.main(["run", "--dry-run", "--sets", "stereo", "--batch-sizes", "8"]) == 0
    out = capsys.readouterr().out
    assert "--device cuda --batch-size 8" in out and "--reasons off" in out
    assert "parts: missing SHA256SUMS" in out


DESCRIBED = """Input #0, wav, from 'call.wav':
  Duration: 00:01:05.40, bitrate: 256 kb/s
  Stream #0:0: Audio: pcm_s16le ([1][0][0][0] / 0x0001), 8000 Hz, stereo, s16, 256 kb/s
At least one output file must be specified
"""


def test_the_ffprobe_stand_in_reads_ffmpegs_description_of_its_input():
    from bench import gpu_media

    answer = gpu_media.probe_json(DESCRIBED)
    assert answer == {"streams": [{"codec_name": "pcm_s16le", "channels": 2, "sample_rate": "8000"}],
                      "format": {"format_name": "wav", "duration": "65.400000"}}
    mono = gpu_media.probe_json(DESCRIBED.replace("stereo", "mono").replace("wav,", "mp3,"))
    assert mono["streams"][0]["channels"] == 1 and mono["format"]["format_name"] == "mp3"
    assert gpu_media.probe_json("Input #0, png_pipe, from 'x.png':\n  Stream #0:0: Video: png") == {}


def test_qc_identifies_and_rejects_files_through_the_stand_in_as_through_ffprobe(tmp_path, monkeypatch):
    import shutil

    import pytest

    from bench import gpu_media
    from qc import media
    from qc.errors import AudioError

    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("needs ffmpeg and ffprobe to compare with")
    call = gpu.ROOT / "examples" / "calls" / "en-good.wav"
    real = media.probe(call)
    said = gpu_media.install_tools(tmp_path, tmp_path / "none", lambda tool: shutil.which(tool) if tool == "ffmpeg"
                                   else None)
    assert said[1].startswith("ffprobe: stand-in")
    monkeypatch.setenv("PATH", f"{tmp_path}:{__import__('os').environ['PATH']}")
    assert shutil.which("ffprobe") == str(tmp_path / "ffprobe")
    stood_in = media.probe(call)
    assert stood_in == {**real, "duration_s": pytest.approx(real["duration_s"], abs=0.01)}
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all")
    with pytest.raises(AudioError):
        media.probe(text)


def test_copies_make_distinct_long_calls_under_new_names(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu, "WORK", tmp_path)
    sets = gpu.make_sets(long_minutes=0.5, copies=3)
    rows = list(csv.DictReader((sets["long-stereo"][0] / "manifest.csv").open(encoding="utf-8")))
    assert len(rows) == 12 and len({row["call_id"] for row in rows}) == 12 and len({row["file"] for row in rows}) == 12
    first, copy = (gpu.read_wav(sets["long-stereo"][0] / f"zh-good{suffix}.wav")[0] for suffix in ("", "-copy1"))
    assert first.shape == copy.shape and not (first == copy).all()
    assert sets["stereo"][1] < 130 and len(list(sets["stereo"][0].glob("*.wav"))) == 4
