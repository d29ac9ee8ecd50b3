"""ffmpeg and ffprobe for the lent GPU machine, whose image may have neither (bench/gpu.py).

qc decodes every recording with ffmpeg and identifies it with ffprobe. The image is not known
to hold them and nothing can be installed there, so ``bench/gpu.py pack`` carries the static
ffmpeg of the ``imageio-ffmpeg`` wheel (29 MB; it has no ffprobe), and this module stands in
for ffprobe on the one query qc makes (qc/media.py ``probe``), answered from what
``ffmpeg -i`` prints about the input:

    python3 bench/gpu_media.py -v error -select_streams a -show_entries ... -of json FILE

It prints ffprobe's JSON (codec_name, channels, sample_rate; format_name, duration) and exits
1 with ffmpeg's last line when the file has no audio stream. Used only where the machine has no
ffprobe of its own; bench/gpu.py says which it used.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

IMAGEIO_FFMPEG = "imageio-ffmpeg==0.6.0"  # ffmpeg 7.0.2, static, libmp3lame (qc's audio copies)
INPUT = re.compile(r"^Input #0, ([^,]+), from ", re.M)
DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
AUDIO = re.compile(r"Stream #0:\d+\S*: Audio: (\w+)[^,]*, (\d+) Hz, ([^,]+)")
LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "7.1": 8}


def probe_json(said: str) -> dict:
    """ffprobe's answer to qc's query, from ffmpeg's description of its input (stderr of ``-i``)."""
    audio = AUDIO.search(said)
    if not audio:
        return {}
    codec, rate, layout = audio.groups()
    layout = layout.strip()
    counted = re.match(r"(\d+) channels", layout)
    channels = int(counted.group(1)) if counted else LAYOUT_CHANNELS.get(layout.split("(")[0], 1)
    fmt = INPUT.search(said)
    duration = DURATION.search(said)
    seconds = 0.0
    if duration:
        seconds = int(duration.group(1)) * 3600 + int(duration.group(2)) * 60 + float(duration.group(3))
    return {"streams": [{"codec_name": codec, "channels": channels, "sample_rate": rate}],
            "format": {"format_name": fmt.group(1) if fmt else "", "duration": f"{seconds:.6f}"}}


def ffprobe(argv: list[str], ffmpeg: str) -> int:
    path = argv[-1]
    said = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-i", path], capture_output=True, text=True,
                          errors="replace").stderr
    answer = probe_json(said)
    print(json.dumps(answer))
    if not answer:
        lines = [line for line in said.splitlines() if line.strip()]
        print(lines[-1] if lines else f"{path}: no audio stream", file=sys.stderr)
        return 1
    return 0


def install_tools(bin_dir: Path, carried_ffmpeg: Path, which) -> list[str]:
    """Put ffmpeg and an ffprobe stand-in into ``bin_dir`` where ``which`` finds none; say what is used."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    said = []
    ffmpeg = which("ffmpeg")
    if ffmpeg is None:
        if not carried_ffmpeg.is_file():
            return ["ffmpeg: missing here and not carried"]
        carried_ffmpeg.chmod(0o755)
        link = bin_dir / "ffmpeg"
        link.unlink(missing_ok=True)
        link.symlink_to(carried_ffmpeg)
        ffmpeg = str(link)
        said.append(f"ffmpeg: carried static build ({IMAGEIO_FFMPEG})")
    else:
        said.append(f"ffmpeg: {ffmpeg}")
    ffprobe_found = which("ffprobe")
    if ffprobe_found is None:
        stand_in = bin_dir / "ffprobe"
        script = Path(__file__).resolve()
        stand_in.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" --ffmpeg "{ffmpeg}" "$@"\n')
        stand_in.chmod(0o755)
        said.append("ffprobe: stand-in (bench/gpu_media.py, from ffmpeg -i)")
    else:
        said.append(f"ffprobe: {ffprobe_found}")
    return said


if __name__ == "__main__":
    args = sys.argv[1:]
    tool = "ffmpeg"
    if args[:1] == ["--ffmpeg"]:
        tool, args = args[1], args[2:]
    sys.exit(ffprobe(args, tool))
