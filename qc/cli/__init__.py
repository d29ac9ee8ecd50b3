"""The ``qc`` command line. Commands are thin: they parse options, call the library, and
turn domain errors into one line and an exit code.

Exit codes: 0 the batch completed (rule failures are results, not errors); 1 some calls
could not be processed (each listed with its reason); 2 usage or configuration error
before any work; 3 the environment stopped the batch (disk full, database unwritable).

The commands live in ``batch`` (run, score, report, purge), ``calibrate``, ``rules``, ``models``,
``serve`` and ``review`` (export, import); ``common`` holds what they share. Nothing else in qc
imports this package.
"""

from __future__ import annotations

import logging

import click

from .. import __version__
from .batch import purge, report, run, score
from .calibrate import calibrate
from .common import EXIT_CALLS_FAILED, EXIT_CONFIG, EXIT_ENVIRONMENT, EXIT_OK
from .models import models
from .rules import rules
from .review import review
from .serve import serve

__all__ = ["cli", "main", "EXIT_OK", "EXIT_CALLS_FAILED", "EXIT_CONFIG", "EXIT_ENVIRONMENT"]


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


for command in (run, score, report, purge, calibrate, models, rules, review, serve):
    cli.add_command(command)


def main():
    cli(prog_name="qc")


if __name__ == "__main__":
    main()
