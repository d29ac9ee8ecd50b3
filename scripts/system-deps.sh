#!/usr/bin/env bash
# Install the system tools qc needs, only when they are missing:
#   ffmpeg/ffprobe  decode wav (PCM, A-law, mu-law), mp3, m4a, ogg, flac, ...
#   sox + its format plugins  decode AMR-NB/WB (ffmpeg's AMR decoder fails on recorder files)
set -euo pipefail
need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v sox >/dev/null 2>&1 || need+=(sox)
if ! command -v sox >/dev/null 2>&1 || ! sox -h 2>/dev/null | grep -q 'amr-nb'; then need+=(libsox-fmt-all); fi
exec "$(dirname "$0")/apt-install.sh" "qc" "${need[@]}"
