"""Recordings as files: the external tools qc runs on them, and their content hash.

ffprobe identifies a file, ffmpeg decodes it; AMR goes through sox because ffmpeg's
AMR-NB decoder reports "Corrupt bitstream" on ordinary call-recorder files. Both the
analysis (decoding to samples) and the report (browser-playable copies) start from
:func:`probe` and :func:`decode_command`, so what qc can read is decided in one place.
Every failure becomes one :class:`AudioError` that names the file, its argument a message
(:mod:`qc.messages`) the batch stores in the call's language.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from .errors import AudioError, EnvironmentFailure
from .messages import say

SAMPLE_RATE_HZ = 16000  # what every recording is decoded to: Whisper, Silero VAD and pyannote all want it
AUDIO_EXTENSIONS = (".wav", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".flac", ".amr", ".gsm", ".wma", ".au")
TRUNCATION_TOLERANCE = 0.9  # decoded/declared duration below this means a damaged file
_AMR_CODECS = ("amr_nb", "amrnb", "amr_wb", "amrwb")
TOOL_ERRORS = {  # how ffmpeg's lines end for the usual failures (libavutil's error strings, strerror)
    "Invalid data found when processing input": "tool.invalid_data",
    "End of file": "tool.end_of_file",
    "Permission denied": "tool.permission_denied",
    "Decoder not found": "tool.no_decoder",
}


def require_tool(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise EnvironmentFailure(f"{tool} is not installed (apt-get install ffmpeg sox libsox-fmt-all)")
    return path


def probe(path: Path) -> dict:
    """Return codec, channels, sample rate, format and duration; raise AudioError when it is not audio."""
    if not path.is_file():
        raise AudioError(say("failure.no_file", path=str(path)))
    if path.stat().st_size == 0:
        raise AudioError(say("failure.empty_file", path=str(path)))
    cmd = [require_tool("ffprobe"), "-v", "error", "-select_streams", "a", "-show_entries",
           "stream=codec_name,channels,sample_rate:format=format_name,duration", "-of", "json", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    info = json.loads(proc.stdout or "{}")
    streams = info.get("streams") or []
    if proc.returncode != 0 or not streams:
        detail = tool_said(proc.stderr) or say("failure.no_stream")
        raise AudioError(say("failure.not_audio", path=str(path), detail=detail))
    stream = streams[0]
    _check_wav_length(path)
    return {
        "codec": stream.get("codec_name", ""),
        "channels": int(stream.get("channels") or 1),
        "sample_rate_hz": int(stream.get("sample_rate") or 0),
        "format": info.get("format", {}).get("format_name", ""),
        "duration_s": float(info.get("format", {}).get("duration") or 0.0),
    }


def decode_command(path: Path, info: dict, sample_rate_hz: int, channels: int) -> list[str]:
    """The command that writes ``path`` to stdout as float32 little-endian PCM, ``channels`` interleaved."""
    if info["codec"] in _AMR_CODECS or info["format"] == "amr":
        kind = "amr-wb" if info["codec"] in ("amr_wb", "amrwb") else "amr-nb"
        return [require_tool("sox"), "-q", "-t", kind, str(path), "-t", "f32", "-e", "floating-point",
                "-r", str(sample_rate_hz), "-c", str(channels), "-"]
    return [require_tool("ffmpeg"), "-nostdin", "-v", "error", "-i", str(path), "-vn", "-f", "f32le",
            "-acodec", "pcm_f32le", "-ar", str(sample_rate_hz), "-ac", str(channels), "-"]


def file_sha256(path: str | Path, digest=None):
    """Feed the bytes of ``path`` into ``digest`` (a new sha256 by default) and return it."""
    digest = digest if digest is not None else hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest


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
                raise AudioError(say("failure.truncated_wav", path=str(path), promised=size, available=available))
            return
        pos += 8 + size + (size & 1)


def tool_said(stderr: bytes | str):
    """What a tool's last line of errors says: a message for the usual failures (so a Chinese page
    does not quote ffmpeg's English), else the line itself."""
    line = last_line(stderr)
    known = next((key for text, key in TOOL_ERRORS.items() if line.endswith(text)), None)
    return say(known) if known else line


def last_line(stderr: bytes | str) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
