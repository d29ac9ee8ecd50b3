#!/usr/bin/env bash
# Install what the browser tests of the scorecards need, only when it is missing:
#   chromium        Debian's Chromium at /usr/bin/chromium, driven headless by Python playwright
#                   (never a browser build downloaded by 'playwright install')
#   fonts-noto-cjk  Chinese glyphs, so that screenshots of Chinese pages are legible
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then need+=(fonts-noto-cjk); fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing system packages for the browser tests: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "the browser tests need: ${need[*]} (Debian/Ubuntu: apt-get install ${need[*]}); run this as root" >&2; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "the browser tests need: ${need[*]}; install them with your system's package manager" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
