"""``qc calibrate``: how far each rule agrees with human reviewers, printed and as a page beside the overview."""

from __future__ import annotations

from pathlib import Path

import click

from ..run.lock import exclusive
from .common import day_end, domain_errors, iso_option, wait_option


@click.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("reports/qc.sqlite"),
              show_default=True, help="SQLite database written by qc run.")
@click.option("--labels", "labels_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV of manual QA results: call_id,rule_id,status (pass, fail, na); a call_uid column may name "
                   "calls whose ids repeat. Reviewers' decisions stored in the database (qc serve, qc review "
                   "import) are read too.")
@click.option("--since", default=None, help="Only calls started on or after this date/time (ISO, e.g. 2026-11-01).")
@click.option("--until", default=None,
              help="Only calls started before this date/time; a plain date includes that whole day.")
@click.option("--min-kappa", type=click.FloatRange(-1, 1), default=0.6, show_default=True,
              help="Rules whose Cohen's kappa is below this are listed as not to be trusted yet.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where calibration.html goes, beside the overview it is linked from [default: the database's "
                   "folder].")
@click.option("--ui-language", type=click.Choice(["auto", "zh", "en"]), default="auto", show_default=True,
              help="Interface language of the page; auto: that of most calls.")
@wait_option
@domain_errors
def calibrate(db_path, labels_file, since, until, min_kappa, out_dir, ui_language, wait_s):
    """Compare qc's verdicts with human ones, per rule: agreement, precision and recall of fail, kappa.

    Prints the table, writes calibration.html beside the overview (linked from it) with the
    disagreeing calls, and refreshes the overview. Exit 0 even when rules fall below --min-kappa:
    the table is the result."""
    from ..report import write_outputs
    from ..report.calibration import calibration_table, write_calibration_page
    from ..run.calibrate import SKIPPED, HumanVerdict, calibrate as compare, read_labels
    from ..run.reviews import human_verdicts
    from ..run.store import Store

    if not db_path.is_file():
        raise click.UsageError(f"no database at {db_path}; run 'qc run' first or pass --db")
    since, until_end = iso_option("--since", since), day_end(until)
    human = read_labels(labels_file) if labels_file else []
    out_dir = out_dir or db_path.parent
    with exclusive(db_path, wait_s):
        store = Store(db_path)
        rows = store.latest_calls(since=since, until=until_end)
        reviews = [HumanVerdict(r["call_id"], r["rule_id"], r["status"], r["call_uid"], "reviews")
                   for r in human_verdicts(rows)]  # what reviewers decided under qc serve or qc review import
        if not human and not reviews:
            raise click.UsageError("no human verdicts: give --labels CSV (no call of the period was reviewed)")
        result = compare(rows, human + reviews, min_kappa)
        sources = ([f"{labels_file.name}: {len(human)}"] if labels_file else []) + [f"reviews: {len(reviews)}"]
        summary = {"read": result.read, "sources": sources, "skipped": sorted(result.skipped.items()),
                   "period": {"since": since, "until": until, "team": None, "agent": None}}
        page = write_calibration_page(out_dir, result.rules, result.titles, result.calls, summary, min_kappa,
                                      ui_language)
        write_outputs(store.latest_calls(), out_dir)  # the overview links to the page now
    click.echo(calibration_table(result.rules, min_kappa))
    for reason, n in sorted(result.skipped.items()):
        click.echo(f"qc: {n} human verdict(s) left out: {SKIPPED[reason]}", err=True)
    click.echo(f"qc: {result.read} human verdicts ({', '.join(sources)}), {sum(r.calls for r in result.rules)} "
               f"compared; page: {page}")
