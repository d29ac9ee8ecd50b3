"""Browser-playable copies of the recordings beside the pages (or links to the originals).

Browsers do not all play 8 kHz A-law WAV, GSM or AMR; every one plays MP3 at 16 kHz. The
report transcodes with ffmpeg (AMR read through sox, as :mod:`qc.media` decides) and never
decodes audio into samples itself.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

from ..media import SAMPLE_RATE_HZ, decode_command, probe

AUDIO_MODES = ("copy", "link", "none")
# Mono, because a supervisor listens to both parties at once, often on one earbud: 32 kbit/s is ~14 MB/hour.
PLAYABLE_AUDIO = ("mp3", ["-ac", "1", "-ar", "16000", "-c:a", "libmp3lame", "-b:a", "32k", "-map_metadata", "-1"])


def publish_audio(calls: list[tuple[str, str]], out_dir: Path, mode: str, stems: dict[str, str]) -> dict[str, dict]:
    """How each call page plays its recording: ``{call_id: {"mode", "src", "original"}}``.

    ``copy`` transcodes missing or outdated copies to ``audio/<call_id>.mp3`` (in parallel, atomically);
    a recording that cannot be transcoded is linked instead. ``src`` is relative to ``calls/``.
    """
    if mode == "none":
        return {}
    found = {call_id: Path(path) for call_id, path in calls if path and Path(path).is_file()}
    out = {call_id: {"mode": mode, "src": None, "original": path} for call_id, path in calls}
    for call_id, source in found.items():
        out[call_id]["src"] = _relative_url(source, out_dir / "calls")
    if mode == "link":
        return out
    (out_dir / "audio").mkdir(exist_ok=True)
    targets = {call_id: out_dir / "audio" / f"{stems[call_id]}.{PLAYABLE_AUDIO[0]}" for call_id in out}
    stale = [call_id for call_id, source in found.items()
             if not targets[call_id].is_file() or targets[call_id].stat().st_mtime < source.stat().st_mtime]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        ok = dict(zip(stale, pool.map(lambda cid: _transcode(found[cid], targets[cid]), stale)))
    for call_id, target in targets.items():
        if ok.get(call_id, True) and target.is_file():
            out[call_id].update(mode="copy", src=f"../audio/{quote(target.name)}")
        else:
            out[call_id]["mode"] = "link"  # could not transcode: the original, if a browser can play it
    return out


def _relative_url(path: Path, start: Path) -> str:
    try:
        return quote(Path(os.path.relpath(path.resolve(), start.resolve())).as_posix())
    except ValueError:  # another drive (Windows): only an absolute address reaches it
        return path.resolve().as_uri()


def _transcode(source: Path, target: Path) -> bool:
    """Write a browser-playable copy of ``source``; False when neither ffmpeg nor qc's decoder can read it."""
    partial = target.with_name(target.name + ".part")
    encode = ["-f", PLAYABLE_AUDIO[0], *PLAYABLE_AUDIO[1], str(partial)]
    try:
        direct = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-vn", *encode],
                                capture_output=True)
        if direct.returncode != 0:  # AMR from call recorders: read it as the analysis does (through sox)
            raw = subprocess.run(decode_command(source, probe(source), SAMPLE_RATE_HZ, channels=1),
                                 capture_output=True, check=True)
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(SAMPLE_RATE_HZ),
                            "-ac", "1", "-i", "pipe:0", *encode], input=raw.stdout, capture_output=True, check=True)
        partial.replace(target)
        return True
    except Exception:  # noqa: BLE001 - one unplayable recording never stops the report
        partial.unlink(missing_ok=True)
        return False
