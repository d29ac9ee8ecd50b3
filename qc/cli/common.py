"""What the commands share: exit codes, the domain-error wrapper, shared options."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from ..errors import Busy, ConfigError, EnvironmentFailure, QcError

EXIT_OK, EXIT_CALLS_FAILED, EXIT_CONFIG, EXIT_ENVIRONMENT, EXIT_BUSY = 0, 1, 2, 3, 4


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
        except Busy as exc:
            click.echo(f"qc: busy: {exc}", err=True)
            sys.exit(EXIT_BUSY)
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


def wait_option(func):
    return click.option("--wait", "wait_s", type=click.FloatRange(0), default=0, show_default=True,
                        help="Seconds to wait for another qc process using the same database; then exit 4.")(func)


def rules_option(func):
    return click.option("--rules", "rules_file", type=click.Path(dir_okay=False, path_type=Path),
                        help="Rule set YAML for every call [default: by the assignment file, else "
                             "rules/<language>-default.yaml by call language].")(func)


def assign_option(func):
    return click.option("--assign", "assign_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        envvar="QC_ASSIGN",
                        help="Assignment file (YAML) picking each call's rule set by team, queue, direction, "
                             "language, agent or any manifest column [default: $QC_ASSIGN, else rules/assign.yaml "
                             "when present]. See README, rule sets per team.")(func)


def load_rules(rules_file, assign_file, site_file, given=None):
    """The rule sets of a run or a re-scoring: one for every call (``--rules``), or one per call by the
    assignment file (``--assign``, else ``rules/assign.yaml`` when present), else by language."""
    from ..rules.assign import DEFAULT_ASSIGN, load_assignment

    if rules_file and assign_file:
        raise click.UsageError("give --rules (one rule set for every call) or --assign (a set per call), not both")
    if not rules_file and not assign_file and DEFAULT_ASSIGN.is_file():
        assign_file = DEFAULT_ASSIGN
    return load_assignment(assign_file, rules_file, site_file, given)


def site_option(func):
    return click.option("--site", "site_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        envvar="QC_SITE",
                        help="Site file (YAML) with the values of rule variables such as {company} "
                             "[default: $QC_SITE]. See README, site variables.")(func)


def formats_option(func):
    """``--formats``: which writers of ``qc.report.exports.WRITERS`` run (listed here so that ``--help``
    imports no report code; a test checks the list against the table)."""
    def parse(ctx, param, value):
        from click.core import ParameterSource

        from ..report.exports import parse_formats

        try:  # the default names parquet, left out without pyarrow; asked for, it must be there
            return parse_formats(value, explicit=ctx.get_parameter_source(param.name) != ParameterSource.DEFAULT)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return click.option("--formats", default="json,rttm,csv,parquet", show_default=True, callback=parse,
                        help="Files written besides the pages, comma-separated, or all. Per call, beside its page "
                             "in calls/: json, rttm, srt, vtt, txt (subtitles and transcript, speakers labelled "
                             "agent/customer in the call's language). For the report: csv, parquet (results and "
                             "findings; parquet when pyarrow is installed).")(func)


def check_models(models_dir, embedding_model):
    """The models the checks of a run or re-scoring use, named by the options."""
    from ..rules.providers import CheckModels, ModelSettings

    return CheckModels(ModelSettings(embedding_model, models_dir))


def iso_option(name: str, value):
    """``value`` if it is an ISO date or date-time, else a usage error naming the option."""
    from datetime import datetime

    if value is not None:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"expected an ISO date or date-time (2026-11-21), found {value!r}",
                                     param_hint=name) from None
    return value


def day_end(until):
    """A plain date means up to the end of that day: the store compares ``started_at < until``."""
    from datetime import date, timedelta

    if iso_option("--until", until) is None or len(until) != 10:
        return until
    return (date.fromisoformat(until) + timedelta(days=1)).isoformat()
