#!/usr/bin/env bash
# `make setup GPU=1`, first step: a CUDA build of torch in the environment, in place of a CPU one.
#   scripts/gpu-torch.sh PYTHON TORCH     TORCH as pip takes it: torch==2.13.0, or with --index-url ...
# torch==2.13.0 from PyPI is, on Linux x86_64, the CUDA 13.0 build (it pulls cuda-toolkit 13.0.3 and
# nvidia-cudnn-cu13 as dependencies). pip keeps an installed CPU build that satisfies the same pin
# (2.13.0+cpu), so that one is removed first; a CPU wheel that wins again (a local wheel folder in
# pip's find-links, a CPU index) stops setup with what to do, rather than a silent CPU setup.
set -euo pipefail
py=${1:?usage: gpu-torch.sh PYTHON TORCH}
torch=${2:?usage: gpu-torch.sh PYTHON TORCH}
cuda_of() { "$py" -c 'import torch; print(torch.version.cuda or "none")' 2>/dev/null || echo absent; }

if [ "$(cuda_of)" = none ]; then
  echo "gpu-torch: removing the CPU build of torch ($("$py" -m pip show torch 2>/dev/null | sed -n 's/^Version: //p'))"
  "$py" -m pip uninstall -y -q torch
fi
# shellcheck disable=SC2086  # TORCH may carry pip options (--index-url ...), as in the CPU setup
"$py" -m pip install -q $torch
cuda=$(cuda_of)
version=$("$py" -c 'import torch; print(torch.__version__)')
case $cuda in
  none|absent)
    echo "gpu-torch: pip installed torch $version, a CPU build, for '$torch'. A CPU wheel won:" >&2
    echo "  a local wheel folder in pip's find-links ('pip config list'; PIP_FIND_LINKS=' ' make setup GPU=1" >&2
    echo "  ignores it) or a CPU index. Or name a CUDA wheel: make setup GPU=1 TORCH=/path/to/torch-...whl" >&2
    exit 1 ;;
esac
echo "gpu-torch: torch $version, built for CUDA $cuda"
