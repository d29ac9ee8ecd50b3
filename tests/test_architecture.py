"""The package's shape: the import-linter layer contract holds, and it can fail.

The contract lives in pyproject.toml ([tool.importlinter]); `make test` runs `lint-imports`
too. Here it runs on the real tree and on a copy with one forbidden import or one cycle
added, to show that each would be caught.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")
MAX_MODULE_LINES = 320  # "a few hundred lines at most": a module past this is hiding two ideas
TOP_LEVEL_MODULES = {"__init__.py", "schema.py", "errors.py", "text.py", "numerals.py", "metrics.py", "models.py",
                     "media.py", "redact.py", "messages.py", "timing.py"}


def lint(package_parent: Path) -> subprocess.CompletedProcess:
    env = {"PATH": str(LINT.parent), "PYTHONPATH": str(package_parent), "HOME": str(package_parent)}
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=package_parent,
                          capture_output=True, text=True, env=env)


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    shutil.copytree(ROOT / "qc", tmp_path / "qc", ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "qc" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return tmp_path


def test_the_layer_contract_holds():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module,line,broken", [
    ("rules/engine.py", "from ..analysis import asr  # noqa", "Layers"),  # rules reaching into an adapter
    ("report/pages.py", "from ..analysis.audio import decode_audio  # noqa", "Reports never decode audio"),
    ("rules/sentiment.py", "import torch  # noqa", "Model runtimes"),
    ("rules/checks/base.py", "from .. import engine  # noqa", "No import cycles"),  # the old engine <-> checks
    ("schema.py", "from .cli import cli  # noqa", "Layers"),  # nothing imports the CLI
    ("run/store.py", "from ..serve import app  # noqa", "Layers"),  # the server sits above the store
    ("serve/site.py", "from ..sources import files  # noqa", "The server never decodes audio"),
])
def test_a_forbidden_import_breaks_the_contract(tmp_path, module, line, broken):
    result = lint(copy_with(tmp_path, module, line))
    assert result.returncode == 1, result.stdout
    broken_lines = [l for l in result.stdout.splitlines() if l.rstrip().endswith("BROKEN")]
    assert any(l.startswith(broken) for l in broken_lines), result.stdout


def test_modules_stay_small_and_the_top_level_shows_the_layout():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "qc").rglob("*.py")}
    assert {m: n for m, n in sizes.items() if n > MAX_MODULE_LINES} == {}
    top = {p.name for p in (ROOT / "qc").iterdir() if p.suffix == ".py"}
    assert top == TOP_LEVEL_MODULES
    packages = {p.name for p in (ROOT / "qc").iterdir() if (p / "__init__.py").is_file()}
    assert packages == {"analysis", "cli", "report", "rules", "run", "serve", "sources"}
