"""``qc devices``: where Whisper and diarization would run here, one line each."""

from __future__ import annotations

import sys

import click

from .common import EXIT_CONFIG


@click.command()
@click.option("--require-cuda", is_flag=True, help="Exit with status 2 unless both run on CUDA.")
def devices(require_cuda):
    """Whether Whisper (ctranslate2) and diarization (torch) can use CUDA here, and if not, why."""
    from ..analysis.gpu import runtime_views

    views = runtime_views()
    for view in views:
        click.echo(view.line())
    on_cpu = [view.serves for view in views if view.device != "cuda"]
    if require_cuda and on_cpu:
        click.echo(f"qc: error: CUDA is not usable for {' and '.join(on_cpu)}", err=True)
        sys.exit(EXIT_CONFIG)
