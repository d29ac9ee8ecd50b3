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
from typing import Optional
from urllib.parse import quote

from ..media import SAMPLE_RATE_HZ, decode_command, probe
from .files import partial_name

AUDIO_MODES = ("copy", "link", "none")
# Mono, because a supervisor listens to both parties at once, often on one earbud: 32 kbit/s is ~14 MB/hour.
COPY_BITRATE_BPS = 32_000
COPY_TOLERANCE = 0.9  # a copy this much smaller than its length at the bit rate was cut off
PLAYABLE_AUDIO = ("mp3", ["-ac", "1", "-ar", "16000", "-c:a", "libmp3lame", "-b:a", str(COPY_BITRATE_BPS),
                          "-map_metadata", "-1"])


def publish_audio(calls: list[tuple[str, str, str]], out_dir: Path, mode: str,
                  no_copy: frozenset[str] | set[str] = frozenset(),
                  muted: Optional[dict[str, list]] = None) -> dict[str, dict]:
    """How each call page plays its recording: ``{uid: {"mode", "src", "original"}}`` for
    ``calls`` given as ``(uid, file stem, recording path)``; the calls in ``no_copy`` (past the
    audio retention) are linked to their recording instead of copied. With ``muted`` (redaction:
    uid -> spans in seconds), copies are ``<stem>-redacted.mp3`` with those spans silenced, and
    earlier clear copies are removed.

    ``copy`` transcodes missing or outdated copies to ``audio/<stem>.mp3`` (in parallel); a copy
    replaces its target only once ffmpeg has written all of it (checked against the recording's
    length), so a full disk leaves no cut copy behind. A recording that cannot be transcoded is
    linked instead. ``src`` is relative to ``calls/``.
    """
    if mode == "none":
        return {}
    found = {uid: Path(path) for uid, _, path in calls if path and Path(path).is_file()}
    out = {uid: {"mode": mode, "src": None, "original": path} for uid, _, path in calls}
    for uid, source in found.items():
        out[uid]["src"] = _relative_url(source, out_dir / "calls")
    if mode == "link":
        return out
    (out_dir / "audio").mkdir(exist_ok=True)
    suffix = "-redacted" if muted is not None else ""
    targets = {uid: out_dir / "audio" / f"{stem}{suffix}.{PLAYABLE_AUDIO[0]}" for uid, stem, _ in calls
               if uid not in no_copy}
    if muted is not None:
        for _, stem, _ in calls:
            (out_dir / "audio" / f"{stem}.{PLAYABLE_AUDIO[0]}").unlink(missing_ok=True)
    stale = [uid for uid, source in found.items() if uid in targets
             and (not targets[uid].is_file() or targets[uid].stat().st_mtime < source.stat().st_mtime)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        ok = dict(zip(stale, pool.map(lambda uid: _transcode(found[uid], targets[uid], (muted or {}).get(uid)),
                                      stale)))
    for uid in no_copy & set(out):
        out[uid]["mode"] = "link"
    for uid, target in targets.items():
        if ok.get(uid, True) and target.is_file():
            out[uid].update(mode="copy", src=f"../audio/{quote(target.name)}")
        else:
            out[uid]["mode"] = "link"  # could not transcode: the original, if a browser can play it
    return out


def _relative_url(path: Path, start: Path) -> str:
    try:
        return quote(Path(os.path.relpath(path.resolve(), start.resolve())).as_posix())
    except ValueError:  # another drive (Windows): only an absolute address reaches it
        return path.resolve().as_uri()


def _transcode(source: Path, target: Path, silence: Optional[list] = None) -> bool:
    """Write a browser-playable copy of ``source`` with the ``silence`` spans (s) silenced; False when
    it cannot be read or written whole."""
    partial = partial_name(target)
    mute = "+".join(f"between(t,{a:.3f},{b:.3f})" for a, b in silence or ())
    encode = ["-f", PLAYABLE_AUDIO[0], *(["-af", f"volume=enable='{mute}':volume=0"] if mute else []),
              *PLAYABLE_AUDIO[1], str(partial)]
    try:
        info = probe(source)
        direct = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-vn", *encode],
                                capture_output=True)
        if direct.returncode != 0:  # AMR from call recorders: read it as the analysis does (through sox)
            raw = subprocess.run(decode_command(source, info, SAMPLE_RATE_HZ, channels=1),
                                 capture_output=True, check=True)
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(SAMPLE_RATE_HZ),
                            "-ac", "1", "-i", "pipe:0", *encode], input=raw.stdout, capture_output=True, check=True)
        if not _whole(partial, info["duration_s"]):
            raise OSError(f"{partial}: the copy is shorter than the recording (disk full?)")
        os.replace(partial, target)
        return True
    except Exception:  # noqa: BLE001 - one unplayable recording never stops the report
        partial.unlink(missing_ok=True)
        return False


def _whole(copy: Path, duration_s: float) -> bool:
    """ffmpeg can exit 0 on a full disk with a 0-byte or cut file. The copy is constant bit rate, so
    its size says how long it is (its header would still claim the full length)."""
    if not copy.is_file() or copy.stat().st_size == 0:
        return False
    expected_bytes = duration_s * COPY_BITRATE_BPS / 8
    return copy.stat().st_size >= COPY_TOLERANCE * expected_bytes - 1024
