"""Where Whisper and diarization run: `qc devices`, and the cuBLAS 12 that ctranslate2 needs on a GPU.

These tests run without a GPU (CI has none): they check the CPU answers and, with a fake view,
what a GPU without cuBLAS 12 does to ``--device``."""

import logging

import pytest
from click.testing import CliRunner

from qc.analysis import asr, gpu
from qc.analysis.gpu import RuntimeView, pip_cublas_dirs
from qc.cli import cli
from qc.errors import ModelError


def no_gpu_here() -> bool:
    import ctranslate2
    import torch

    return ctranslate2.get_cuda_device_count() == 0 and not torch.cuda.is_available()


needs_no_gpu = pytest.mark.skipif("not no_gpu_here()", reason="checks the CPU answer; this machine has a GPU")


@needs_no_gpu
def test_devices_prints_one_line_per_runtime_with_the_cpu_answer():
    result = CliRunner().invoke(cli, ["devices"])
    assert result.exit_code == 0, result.output
    whisper, diarization = result.output.splitlines()
    assert whisper.startswith("whisper") and "ctranslate2 4." in whisper
    assert whisper.endswith(": cpu (no CUDA device is visible to ctranslate2)")
    assert diarization.startswith("diarization") and "torch 2." in diarization and ": cpu (" in diarization


@needs_no_gpu
def test_require_cuda_fails_on_a_machine_without_one():
    result = CliRunner().invoke(cli, ["devices", "--require-cuda"])
    assert result.exit_code == 2
    assert "qc: error: CUDA is not usable for whisper and diarization" in result.output


@needs_no_gpu
def test_device_cuda_without_a_gpu_is_an_error_not_a_silent_cpu_run():
    with pytest.raises(ModelError, match="--device cuda was asked for but no CUDA device is visible"):
        asr.pick_device("cuda")
    assert asr.pick_device("auto") == ("cpu", "int8")


def test_pip_cublas_is_found_under_the_import_roots(tmp_path):
    lib = tmp_path / "site" / "nvidia" / "cublas" / "lib"
    lib.mkdir(parents=True)
    (lib / "libcublas.so.12").write_bytes(b"")
    (tmp_path / "other").mkdir()
    assert pip_cublas_dirs([str(tmp_path / "other"), str(tmp_path / "site"), str(tmp_path / "site")]) == [lib]
    assert pip_cublas_dirs([str(tmp_path / "other")]) == []


def test_a_gpu_without_cublas_12_stops_cuda_and_sends_auto_to_the_cpu(monkeypatch, caplog):
    view = RuntimeView("whisper", "ctranslate2 4.8.5", "cpu", "1 CUDA device(s) visible, but libcublas.so.12 "
                       f"(cuBLAS for CUDA 12) cannot be loaded: {gpu.CUBLAS_HINT}", visible=1)
    monkeypatch.setattr(asr, "ctranslate2_view", lambda: view)
    asr._warn_once.cache_clear()  # the warning is logged once per process
    with pytest.raises(ModelError, match="nvidia-cublas-cu12"):
        asr.pick_device("cuda")
    with caplog.at_level(logging.WARNING, logger="qc.analysis.asr"):
        assert asr.pick_device("auto") == ("cpu", "int8")
    assert "Whisper runs on the CPU" in caplog.text


def test_a_usable_gpu_means_float16(monkeypatch):
    view = RuntimeView("whisper", "ctranslate2 4.8.5", "cuda", "1 device(s), cuBLAS 12 from /x", visible=1)
    monkeypatch.setattr(asr, "ctranslate2_view", lambda: view)
    assert asr.pick_device("auto") == ("cuda", "float16")
    assert asr.pick_device("cuda") == ("cuda", "float16")
