#!/usr/bin/env bash
# apt-install.sh WHAT PACKAGE...: install Debian packages for WHAT, as root or through sudo,
# with one clear line when that is impossible. Used by system-deps.sh and browser-deps.sh.
set -euo pipefail
what=$1; shift
[ $# -eq 0 ] && exit 0
echo "installing system packages for $what: $*"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "$what needs: $* (Debian/Ubuntu: apt-get install $*); run this as root" >&2; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$what needs: $*; install them with your system's package manager" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null
