#!/usr/bin/env bash
# Install the system tools qc needs, only when they are missing:
#   ffmpeg/ffprobe  decode wav (PCM, A-law, mu-law), mp3, m4a, ogg, flac, ...
#   sox + its format plugins  decode AMR-NB/WB (ffmpeg's AMR decoder fails on recorder files)
set -euo pipefail
need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v sox >/dev/null 2>&1 || need+=(sox)
if ! command -v sox >/dev/null 2>&1 || ! sox -h 2>/dev/null | grep -q 'amr-nb'; then need+=(libsox-fmt-all); fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing system packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "qc needs: ${need[*]} (Debian/Ubuntu: apt-get install ${need[*]}); run this as root" >&2; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "qc needs: ${need[*]}; install them with your system's package manager" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
