"""``qc rules``: validate, list, test and document rule sets."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ConfigError
from .common import EXIT_CALLS_FAILED, EXIT_CONFIG, EXIT_OK, domain_errors


@click.group()
def rules():
    """Validate and inspect rule sets."""


@rules.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@domain_errors
def rules_check(files):
    """Validate rule set files and assignment files (with every set they name); each mistake is one
    line naming file, rule and option (exit 2)."""
    from ..rules.assign import is_assignment, load_assignment
    from ..rules.ruleset import load_ruleset

    failed = False
    for file in files:
        try:
            if is_assignment(file):
                entries = load_assignment(file).entries
                click.echo(f"{file}: ok ({len(entries)} entries: {', '.join(e.ruleset.name for e in entries)})")
                continue
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
    from ..rules.assign import is_assignment
    from ..rules.ruleset import RULES_DIR, load_ruleset

    for file in files or [f for f in sorted(RULES_DIR.glob("*.yaml")) if not is_assignment(f)]:
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
    from ..rules.casefile import evaluate_case, load_cases
    from ..rules.providers import CheckModels
    from ..rules.ruleset import load_ruleset

    models = CheckModels()
    passed = failed = 0
    for file in files:
        rules_path, cases = load_cases(file)
        ruleset = load_ruleset(rules_path) if rules_path else None
        for case in cases:
            verdict = evaluate_case(file, case, models, ruleset)
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
    from ..rules.docs import checks_markdown

    click.echo(checks_markdown(), nl=False)
