"""Decode any recording to float32 channels at 16 kHz, keeping the channels apart.

Which tool reads which file is decided in :mod:`qc.media`; this stage runs it and turns
its output into samples. Every failure becomes one :class:`AudioError` that names the file (a
message, :mod:`qc.messages`).
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AudioError
from ..media import SAMPLE_RATE_HZ, decode_command, probe, tool_said
from ..messages import say


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
        return np.mean(np.stack(self.channels), axis=0).astype(self.channels[0].dtype)

    def compact(self) -> "DecodedAudio":
        """The same audio held as float16 (half the memory: a 2-hour channel is 230 MB, not 460).
        Its 11-bit precision is finer than 8 kHz telephone audio's own; stages read it block by
        block as float32."""
        return DecodedAudio(tuple(c.astype(np.float16) for c in self.channels), self.sample_rate_hz,
                            self.source_sample_rate_hz, self.codec)


def decode_audio(path: str | Path, sample_rate_hz: int = SAMPLE_RATE_HZ) -> DecodedAudio:
    """Decode ``path`` into separate float32 channels at ``sample_rate_hz``."""
    path = Path(path)
    info = probe(path)
    n_channels = info["channels"]
    samples, code, stderr = _run_into_array(decode_command(path, info, sample_rate_hz, n_channels),
                                            int(info["duration_s"] * sample_rate_hz * n_channels * 1.01) + 4096)
    if code != 0:
        raise AudioError(say("failure.cannot_decode", path=str(path), codec=info["codec"], detail=tool_said(stderr)))
    usable = len(samples) - len(samples) % n_channels
    if usable < sample_rate_hz // 10 * n_channels:
        raise AudioError(say("failure.no_samples", path=str(path), seconds=len(samples) / n_channels / sample_rate_hz))
    frames = samples[:usable].reshape(-1, n_channels)
    channels = tuple(np.ascontiguousarray(frames[:, i]) for i in range(n_channels))
    return DecodedAudio(channels, sample_rate_hz, info["sample_rate_hz"], info["codec"])


def _run_into_array(command: list[str], expected: int) -> tuple[np.ndarray, int, bytes]:
    """The command's float32 output read straight into an array sized from the probed duration:
    reading it as bytes first would hold a long call twice (a 2-hour channel is 460 MB)."""
    buffer = np.empty(max(expected, 1), dtype=np.float32)
    filled, extra = 0, []
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        view = memoryview(buffer).cast("B")
        while filled < len(view):
            got = proc.stdout.readinto(view[filled:])
            if not got:
                break
            filled += got
        if filled == len(view):  # longer than probed: the rest in pieces
            extra = list(iter(lambda: proc.stdout.read(1 << 20), b""))
        code = proc.wait()
        errors.seek(0)
        stderr = errors.read()
    whole = filled - filled % 4
    samples = buffer[:whole // 4]
    if extra:
        rest = b"".join(extra)
        samples = np.concatenate([samples, np.frombuffer(rest[:len(rest) // 4 * 4], dtype=np.float32)])
    return samples, code, stderr
