#!/usr/bin/env bash
# Install what the browser tests of the scorecards need, only when it is missing:
#   chromium        Debian's Chromium at /usr/bin/chromium, driven headless by Python playwright
#                   (never a browser build downloaded by 'playwright install')
#   fonts-noto-cjk  Chinese glyphs, so that screenshots of Chinese pages are legible
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then need+=(fonts-noto-cjk); fi
exec "$(dirname "$0")/apt-install.sh" "the browser tests" "${need[@]}"
