"""Decode any recording to float32 channels at 16 kHz, keeping the channels apart.

ffprobe identifies the file, ffmpeg decodes it; AMR goes through sox because ffmpeg's
AMR-NB decoder reports "Corrupt bitstream" on ordinary call-recorder files.
Every failure becomes one :class:`AudioError` line that names the file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import AudioError, EnvironmentFailure

SAMPLE_RATE_HZ = 16000
AUDIO_EXTENSIONS = (".wav", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".flac", ".amr", ".gsm", ".wma", ".au")
TRUNCATION_TOLERANCE = 0.9  # decoded/declared duration below this means a damaged file
_AMR_CODECS = ("amr_nb", "amrnb", "amr_wb", "amrwb")


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


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise EnvironmentFailure(f"{tool} is not installed (apt-get install ffmpeg sox libsox-fmt-all)")
    return path


def probe(path: Path) -> dict:
    """Return codec, channels, sample rate and duration; raise AudioError when it is not audio."""
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file (0 bytes)")
    cmd = [_require("ffprobe"), "-v", "error", "-select_streams", "a", "-show_entries",
           "stream=codec_name,channels,sample_rate:format=format_name,duration", "-of", "json", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    info = json.loads(proc.stdout or "{}")
    streams = info.get("streams") or []
    if proc.returncode != 0 or not streams:
        detail = _last_line(proc.stderr) or "no audio stream found"
        raise AudioError(f"{path}: not a readable audio file ({detail})")
    stream = streams[0]
    _check_wav_length(path)
    return {
        "codec": stream.get("codec_name", ""),
        "channels": int(stream.get("channels") or 1),
        "sample_rate_hz": int(stream.get("sample_rate") or 0),
        "format": info.get("format", {}).get("format_name", ""),
    }


def decode_audio(path: str | Path, sample_rate_hz: int = SAMPLE_RATE_HZ) -> DecodedAudio:
    """Decode ``path`` into separate float32 channels at ``sample_rate_hz``."""
    path = Path(path)
    info = probe(path)
    n_channels = info["channels"]
    if info["codec"] in _AMR_CODECS or info["format"] == "amr":
        kind = "amr-wb" if info["codec"] in ("amr_wb", "amrwb") else "amr-nb"
        cmd = [_require("sox"), "-q", "-t", kind, str(path), "-t", "f32", "-e", "floating-point",
               "-r", str(sample_rate_hz), "-"]
    else:
        cmd = [_require("ffmpeg"), "-nostdin", "-v", "error", "-i", str(path), "-vn", "-f", "f32le",
               "-acodec", "pcm_f32le", "-ar", str(sample_rate_hz), "-ac", str(n_channels), "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise AudioError(f"{path}: cannot decode {info['codec']} audio ({_last_line(proc.stderr)})")
    samples = np.frombuffer(proc.stdout, dtype=np.float32)
    usable = len(samples) - len(samples) % n_channels
    if usable < sample_rate_hz // 10 * n_channels:
        raise AudioError(f"{path}: no audio samples (decoded {len(samples) / n_channels / sample_rate_hz:.2f} s)")
    frames = samples[:usable].reshape(-1, n_channels)
    channels = tuple(np.ascontiguousarray(frames[:, i]) for i in range(n_channels))
    return DecodedAudio(channels, sample_rate_hz, info["sample_rate_hz"], info["codec"])


def _check_wav_length(path: Path) -> None:
    """A WAV whose data chunk promises more bytes than the file holds was cut off mid-write."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    pos = 12
    while pos + 8 <= len(head):
        chunk, size = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], "little")
        if chunk == b"data":
            available = path.stat().st_size - (pos + 8)
            streaming = size in (0, 0xFFFFFFFF)  # recorders that never patch the header
            if not streaming and available < TRUNCATION_TOLERANCE * size:
                raise AudioError(f"{path}: truncated or corrupt WAV: the header promises {size} bytes of audio, "
                                 f"the file holds {available}")
            return
        pos += 8 + size + (size & 1)


def _last_line(stderr: bytes | str) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
