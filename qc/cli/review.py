"""``qc review export|import``: reviews as CSV, for teams that review in a spreadsheet."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import EXIT_CALLS_FAILED, day_end, domain_errors, iso_option


def _database(db_path: Path):
    from ..run.store import Store

    if not db_path.is_file():
        raise click.UsageError(f"no database at {db_path}; run 'qc run' first or pass --db")
    return Store(db_path)


db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                         default=Path("reports/qc.sqlite"), show_default=True, help="SQLite database written by qc run.")


@click.group()
def review():
    """Reviews as CSV: export a sheet to fill in, import it back.

    The sheet has a row per rule of each scored call (the review so far filled in) and per manual
    score item. Fill decision (confirmed or false_positive, on a machine finding), new_status (pass,
    fail, na or machine, with a reason in comment), or add a row with a call_uid, points and comment
    for a manual item; put your name in reviewer.
    """


@review.command("export")
@click.argument("sheet", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@db_option
@click.option("--since", default=None, help="Only calls started on or after this date/time (ISO, e.g. 2026-11-01).")
@click.option("--until", default=None,
              help="Only calls started before this date/time; a plain date includes that whole day.")
@click.option("--team", default=None, help="Only this team's calls.")
@click.option("--agent", default=None, help="Only this agent's calls.")
@click.option("--findings-only", is_flag=True, help="Only the rules the machine failed, not every rule.")
@domain_errors
def export(sheet, db_path, since, until, team, agent, findings_only):
    """Write the calls' reviews to SHEET (CSV, UTF-8 for Excel; - for standard output)."""
    from ..run.review_csv import export_reviews

    rows = _database(db_path).latest_calls(since=iso_option("--since", since), until=day_end(until))
    rows = [r for r in rows if (team is None or r["team"] == team) and (agent is None or r["agent_id"] == agent)]
    if str(sheet) == "-":
        count = export_reviews(rows, sys.stdout, findings_only)
    else:
        with open(sheet, "w", newline="", encoding="utf-8-sig") as fh:
            count = export_reviews(rows, fh, findings_only)
    click.echo(f"qc: wrote {count} rows of {len(rows)} calls to {sheet}", err=True)


@review.command("import")
@click.argument("sheet", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@db_option
@click.option("--reviewer", default=None, help="Who decided the rows with no name in the reviewer column.")
@click.option("--role", type=click.Choice(["reviewer", "qa_lead"]), default="reviewer", show_default=True,
              help="The role the sheet's decisions are made in.")
@domain_errors
def import_(sheet, db_path, reviewer, role):
    """Apply a filled-in SHEET: each change is a review action with its audit row.

    Rows whose finding changed since the export (the call was re-scored) are refused and listed;
    importing the same sheet twice changes nothing. Exit code 1 when some rows were refused.
    """
    from ..run.review_actions import Reviews
    from ..run.review_csv import import_reviews

    store = _database(db_path)
    result = import_reviews(sheet.read_bytes(), Reviews(store.db, via="import"), reviewer, role)
    for line, reason in result.refused:
        click.echo(f"qc: refused: {sheet}:{line}: {reason}", err=True)
    click.echo(f"qc: {result.changed} rows changed reviews, {result.unchanged} unchanged, "
               f"{len(result.refused)} refused")
    if result.refused:
        sys.exit(EXIT_CALLS_FAILED)
