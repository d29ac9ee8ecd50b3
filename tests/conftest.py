import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Calls are analysed in this process unless a test asks for workers: most tests replace the
# models with fakes (monkeypatch), which a fresh worker process would not see. The worker pool
# and its automatic sizing have their own tests (test_executors.py).
os.environ.setdefault("QC_WORKERS", "1")


def eval_data_dir() -> Path:
    return Path(os.environ.get("QC_EVAL_DATA") or ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def eval_data():
    """../shared/data (or $QC_EVAL_DATA). Skipped with a clear reason when absent, except in
    CI, where its absence is an error: CI always has ../shared beside the clone."""
    path = eval_data_dir()
    if not (path / "README.md").is_file():
        message = f"evaluation data not found at {path} (set QC_EVAL_DATA or put shared/ beside the repo)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def whisper_model_path():
    from qc import models

    try:
        return models.resolve("whisper-base", models.default_models_dir())
    except Exception as exc:  # pragma: no cover - make test always installs it
        pytest.fail(f"whisper-base is not installed ({exc}); run 'make models'")


@pytest.fixture(scope="session")
def transcriber(whisper_model_path):
    from qc.analysis.asr import AsrOptions, WhisperTranscriber

    return WhisperTranscriber(AsrOptions(), whisper_model_path, cpu_threads=os.cpu_count() or 0)


@pytest.fixture(scope="session")
def check_models():
    """The models checks use, with the installed defaults, shared by the whole session (e5 loads once)."""
    from qc.rules.providers import CheckModels

    return CheckModels()
