"""Decode any recording to float32 channels at 16 kHz, keeping the channels apart.

Which tool reads which file is decided in :mod:`qc.media`; this stage runs it and turns
its output into samples. Every failure becomes one :class:`AudioError` line that names the file.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AudioError
from ..media import SAMPLE_RATE_HZ, decode_command, last_line, probe


@dataclass(frozen=True)
class DecodedAudio:
    """Channel-major samples, ``channels[i]`` is one mono float32 array at ``sample_rate_hz``."""

    channels: tuple[np.ndarray, ...]
    sample_rate_hz: int
    source_sample_rate_hz: int
    codec: str

    @property
    def duration_s(self) -> float:
        return len(self.channels[0]) / self.sample_rate_hz if self.channels else 0.0

    def mono(self) -> np.ndarray:
        if len(self.channels) == 1:
            return self.channels[0]
        return np.mean(np.stack(self.channels), axis=0).astype(np.float32)


def decode_audio(path: str | Path, sample_rate_hz: int = SAMPLE_RATE_HZ) -> DecodedAudio:
    """Decode ``path`` into separate float32 channels at ``sample_rate_hz``."""
    path = Path(path)
    info = probe(path)
    n_channels = info["channels"]
    proc = subprocess.run(decode_command(path, info, sample_rate_hz, n_channels), capture_output=True)
    if proc.returncode != 0:
        raise AudioError(f"{path}: cannot decode {info['codec']} audio ({last_line(proc.stderr)})")
    samples = np.frombuffer(proc.stdout, dtype=np.float32)
    usable = len(samples) - len(samples) % n_channels
    if usable < sample_rate_hz // 10 * n_channels:
        raise AudioError(f"{path}: no audio samples (decoded {len(samples) / n_channels / sample_rate_hz:.2f} s)")
    frames = samples[:usable].reshape(-1, n_channels)
    channels = tuple(np.ascontiguousarray(frames[:, i]) for i in range(n_channels))
    return DecodedAudio(channels, sample_rate_hz, info["sample_rate_hz"], info["codec"])
