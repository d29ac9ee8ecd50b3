"""How ``qc run`` spreads its calls: workers on this machine, batch size on the model, or Ray."""

from __future__ import annotations

from typing import Optional

import click


def _auto_or_int(name: str):
    def convert(ctx, param, value: str) -> Optional[int]:
        if value is None or str(value).strip().lower() == "auto":
            return None
        try:
            number = int(value)
        except ValueError:
            raise click.BadParameter(f"{name} is 'auto' or a whole number, not {value!r}") from None
        if number < 1:
            raise click.BadParameter(f"{name} must be at least 1")
        return number

    return convert


def execution_options(func):
    options = [
        click.option("--workers", default="auto", show_default=True, envvar="QC_WORKERS",
                     callback=_auto_or_int("--workers"),
                     help="Calls analysed side by side, each worker with its own models and a share of the "
                          "cores. auto: one per two cores (on two cores, two single-threaded workers); on a GPU one "
                          "per four cores, at most four and 6 GiB of free GPU memory each; one when a single "
                          "call is left to do. With --executor ray: actors [default: "
                          "one per two CPUs of the cluster]. $QC_WORKERS."),
        click.option("--batch-size", default="auto", show_default=True, envvar="QC_BATCH_SIZE",
                     callback=_auto_or_int("--batch-size"),
                     help="Speech chunks of a call (both channels) decoded together by Whisper's batched "
                          "pipeline. auto: 8 on a GPU, 1 (the sequential decoder) on CPU, where batching was "
                          "not faster and changed the text (bench/README.md). $QC_BATCH_SIZE."),
        click.option("--executor", type=click.Choice(["local", "threads", "ray"]), default="local",
                     show_default=True, envvar="QC_EXECUTOR",
                     help="local: this machine, workers in processes of their own; threads: this machine, "
                          "workers as threads of one process sharing one set of models (less memory; a crash "
                          "of a library ends every call in progress); ray: the actors of a Ray cluster (pip "
                          "install 'qc[ray]'); the database and pages stay on this machine, recordings must be "
                          "readable by every node. $QC_EXECUTOR."),
        click.option("--ray-address", default=None, envvar="RAY_ADDRESS",
                     help="The Ray cluster to join (e.g. 10.0.0.5:6379) [default: $RAY_ADDRESS, else a Ray "
                          "started on this machine]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func
