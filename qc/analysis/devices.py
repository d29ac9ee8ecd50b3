"""Where a model runs: one rule for every adapter (Whisper, pyannote).

``auto`` picks CUDA when the adapter's library sees a GPU, else the CPU; ``cuda`` without a
visible GPU is a configuration error, not a silent fall-back to a 20x slower run.
"""

from __future__ import annotations

from typing import Callable

from ..errors import ModelError

DEVICES = ("auto", "cpu", "cuda")


def choose_device(requested: str, gpus_visible: Callable[[], int]) -> str:
    """``cpu`` or ``cuda`` for a ``--device`` value; ``gpus_visible`` asks the adapter's library."""
    if requested not in DEVICES:
        raise ModelError(f"unknown device {requested!r}; choose {', '.join(DEVICES[:-1])} or {DEVICES[-1]}")
    if requested == "cpu":
        return "cpu"
    gpus = gpus_visible()
    if requested == "cuda" and gpus == 0:
        raise ModelError("--device cuda was asked for but no CUDA device is visible")
    return "cuda" if gpus > 0 else "cpu"
