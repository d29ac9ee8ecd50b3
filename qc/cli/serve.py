"""``qc serve``: the pages from the database with review and appeal."""

from __future__ import annotations

from pathlib import Path

import click

from .common import domain_errors


def read_token(token, token_file):
    """The shared token: the file's first line, else ``--token`` / ``$QC_SERVE_TOKEN``, else none."""
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {token_file}: {exc.strerror}", param_hint="--token-file")
        token = lines[0].strip() if lines else ""
        if not token:
            raise click.BadParameter(f"{token_file} is empty", param_hint="--token-file")
    return token or None


@click.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("reports/qc.sqlite"),
              show_default=True, help="SQLite database written by qc run.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; only this machine by default. Serving others needs a token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port, printed).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The report folder whose audio copies the player uses [default: the database's folder]; "
                   "without a copy, the original recording.")
@click.option("--token", envvar="QC_SERVE_TOKEN", default=None,
              help="Shared token a login needs [default: $QC_SERVE_TOKEN]; prefer --token-file or the variable, "
                   "which other users of the machine cannot see.")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A file whose first line is the shared token.")
@click.option("--ui-language", type=click.Choice(["auto", "zh", "en"]), default="auto", show_default=True,
              help="Interface language; auto: the rule pack's, i.e. that of most calls.")
@domain_errors
def serve(db_path, host, port, out_dir, token, token_file, ui_language):
    """Serve the scorecards from the database, with review and appeal.

    Reviewers mark findings confirmed or false positive, change a rule's status with a reason,
    add manual score items and sign; agents appeal findings of their own calls; QA leads accept
    or reject appeals and close them with a final ruling. Each action is attributed to the name
    and role given at login and kept in an audit trail. Stop with Ctrl-C.
    """
    from ..serve import LOCAL_HOSTS, serve as run_server

    if not db_path.is_file():
        raise click.UsageError(f"no database at {db_path}; run 'qc run' first or pass --db")
    token = read_token(token, token_file)
    if host not in LOCAL_HOSTS and not token:
        click.echo(f"qc: warning: serving {host} without a token: anyone who reaches this port can review and "
                   "sign; pass --token-file", err=True)

    def ready(url: str) -> None:
        click.echo(f"qc: serving {db_path} at {url} (Ctrl-C stops)")

    try:
        run_server(db_path, host, port, token, out_dir or db_path.parent, ui_language, ready)
    except KeyboardInterrupt:
        click.echo("qc: stopped", err=True)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
