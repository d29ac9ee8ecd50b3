"""Small audio builders shared by tests."""

from pathlib import Path

import numpy as np


def write_wav(path: Path, channels, sample_rate_hz: int = 8000) -> Path:
    """Write float channels in [-1, 1] as 16-bit PCM WAV."""
    import wave

    data = np.stack([np.asarray(c, dtype=np.float32) for c in channels], axis=1)
    pcm = (np.clip(data, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(sample_rate_hz)
        w.writeframes(pcm.tobytes())
    return path


def tone(seconds: float, freq: float = 440.0, sample_rate_hz: int = 8000, amp: float = 0.3):
    t = np.arange(int(seconds * sample_rate_hz)) / sample_rate_hz
    return amp * np.sin(2 * np.pi * freq * t)


def call_file(out: Path, call_id: str, ext: str = "html") -> str:
    """``calls/<name>.<ext>`` of the one call with this id in a report (names carry the call's identity)."""
    from qc.report.scorecards import safe_name

    found = sorted((Path(out) / "calls").glob(f"{safe_name(call_id)}-*.{ext}"))
    found = [p for p in found if p.stem.rsplit("-", 1)[0] == safe_name(call_id)]
    assert len(found) == 1, (call_id, found)
    return f"calls/{found[0].name}"
