"""How each sentence sounded: level, pitch and pitch range on its speaker's channel (pure).

``measure(samples, sample_rate_hz, segments)`` returns the segments with ``acoustics`` set,
measured over each segment's time span in 40 ms frames every 10 ms:

- ``loudness_db``: RMS level in dBFS (``20 log10 rms``, so a full-scale sine is -3 dBFS) of the
  *active* frames, those within ``ACTIVE_RANGE_DB`` of the sentence's loud frames and above
  ``NOISE_FLOOR_DB``; pauses inside a sentence do not lower it. ``SILENCE_DB`` when no frame is
  active.
- ``pitch_hz``: median fundamental frequency of the voiced frames, found with YIN (de Cheveigné
  and Kawahara, 2002) between 60 and 400 Hz; 0 when no frame is voiced. Telephone audio has
  lost the fundamental below 300 Hz, which makes YIN's first dip fall at half the period;
  the double period wins when it is clearly more periodic.
- ``pitch_range_st``: spread of that pitch, 10th to 90th percentile, in semitones, leaving
  out frames more than ``OCTAVE_JUMP_ST`` from the median (octave errors); 0 when unvoiced.

Pitch is tracked at about 8 kHz, all frames of a channel in a few vectorised FFT batches:
a 78 s stereo call takes about 0.2 s of CPU, a quarter of a percent of its duration.
:func:`qc.metrics.baseline` gives how a speaker usually sounds, the reference of the loudness and
emotion checks.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from ..metrics import SILENCE_DB
from ..schema import Acoustics, Segment

FRAME_S = 0.040
HOP_S = 0.010
MIN_PITCH_HZ = 60.0
MAX_PITCH_HZ = 400.0
YIN_THRESHOLD = 0.2  # cumulative mean normalised difference below this: the frame is voiced
OCTAVE_MARGIN = 0.02  # the double period must be this much more periodic to win
OCTAVE_JUMP_ST = 10.0  # farther than this from the sentence's median pitch: a tracking error
NOISE_FLOOR_DB = -70.0
ACTIVE_RANGE_DB = 30.0
LOUD_PERCENTILE = 95
BATCH_FRAMES = 2048
PITCH_RATE_HZ = 8000


def measure(samples: np.ndarray, sample_rate_hz: int, segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """Return ``segments`` with their acoustics measured on ``samples`` (one speaker's channel).

    Each sentence is measured on its own stretch of the channel, so memory is that of the
    longest sentence, not of the call (a 2-hour channel in float64 is 920 MB).
    """
    frame = int(round(FRAME_S * sample_rate_hz))
    hop = int(round(HOP_S * sample_rate_hz))
    out = []
    for seg in segments:
        starts = _frame_starts(seg, len(samples), sample_rate_hz, frame, hop)
        level_db, f0_hz = _frames(samples, starts, frame, sample_rate_hz)
        out.append(replace(seg, acoustics=_summarise(level_db, f0_hz)))
    return tuple(out)


def _frames(samples: np.ndarray, starts: np.ndarray, frame: int, sample_rate_hz: int):
    """Level and pitch of the frames at ``starts``, computed on the stretch they cover."""
    if not len(starts):
        return np.zeros(0), np.zeros(0)
    factor = max(1, sample_rate_hz // PITCH_RATE_HZ)
    reach = (int(round(FRAME_S * sample_rate_hz / factor)) + int(np.ceil(sample_rate_hz / factor / MIN_PITCH_HZ))
             + 2) * factor  # what the last frame's pitch window reads, at full rate
    begin = int(starts[0]) // factor * factor
    end = min(len(samples), int(starts[-1]) + max(frame, reach))
    level_db = _levels(np.asarray(samples[begin:end], dtype=np.float64), starts - begin, frame,
                       len(samples) - begin)
    f0_hz = _pitches(np.asarray(samples[begin:end], dtype=np.float32), starts - begin, sample_rate_hz,
                     (len(samples) // factor * factor - begin) // factor)
    return level_db, f0_hz


def _frame_starts(seg: Segment, n_samples: int, sample_rate_hz: int, frame: int, hop: int) -> np.ndarray:
    begin = max(0, int(seg.start_s * sample_rate_hz))
    end = min(n_samples, int(seg.end_s * sample_rate_hz))
    if end - begin <= 0:
        return np.zeros(0, np.int64)
    return np.arange(begin, max(begin + 1, end - frame + 1), hop, dtype=np.int64)


def _summarise(level_db: np.ndarray, f0_hz: np.ndarray) -> Acoustics:
    if not len(level_db):
        return Acoustics(SILENCE_DB, 0.0, 0.0)
    loud = float(np.percentile(level_db, LOUD_PERCENTILE))
    active = level_db > max(loud - ACTIVE_RANGE_DB, NOISE_FLOOR_DB)
    if not active.any():
        return Acoustics(SILENCE_DB, 0.0, 0.0)
    loudness = float(10.0 * np.log10(np.mean(10.0 ** (level_db[active] / 10.0))))
    voiced = f0_hz[active & (f0_hz > 0)]
    if not len(voiced):
        return Acoustics(loudness, 0.0, 0.0)
    median = float(np.median(voiced))
    plausible = voiced[np.abs(12.0 * np.log2(voiced / median)) <= OCTAVE_JUMP_ST]
    low, high = np.percentile(plausible, [10, 90])
    return Acoustics(loudness, median, float(12.0 * np.log2(high / low)))


def _levels(samples: np.ndarray, starts: np.ndarray, frame: int, total: int) -> np.ndarray:
    """RMS level in dBFS of the ``frame`` samples from each start (zeros past ``total``, the channel's end)."""
    power = np.concatenate([[0.0], np.cumsum(samples ** 2)])
    limit = min(total, len(samples))
    ends = np.minimum(starts + frame, limit)
    energy = (power[ends] - power[np.minimum(starts, limit)]) / frame
    return np.maximum(10.0 * np.log10(np.maximum(energy, 1e-30)), SILENCE_DB)


def _pitches(samples: np.ndarray, starts: np.ndarray, sample_rate_hz: int, low_total: int) -> np.ndarray:
    """YIN pitch (Hz, 0 when unvoiced) of the frames at ``starts``, computed at about 8 kHz:
    telephone speech has nothing above 4 kHz and half the rate is a quarter of the work.
    ``low_total``: how many low-rate samples the whole channel has from here (zeros after)."""
    factor = max(1, sample_rate_hz // PITCH_RATE_HZ)
    rate = sample_rate_hz / factor
    usable = min(len(samples) // factor, max(low_total, 0)) * factor
    low = samples[:usable].reshape(-1, factor).mean(axis=1) if factor > 1 else samples[:usable]
    frame = int(round(FRAME_S * rate))
    max_lag = int(np.ceil(rate / MIN_PITCH_HZ))
    padded = np.concatenate([low, np.zeros(frame + max_lag + 1, np.float32)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, frame + max_lag + 1)
    f0_hz = np.zeros(len(starts))
    for first in range(0, len(starts), BATCH_FRAMES):
        batch = np.minimum(starts[first:first + BATCH_FRAMES] // factor, len(low))
        f0_hz[first:first + len(batch)] = _yin(windows[batch].astype(np.float64), rate, frame, max_lag)
    return f0_hz


def _yin(x: np.ndarray, sample_rate_hz: float, frame: int, max_lag: int) -> np.ndarray:
    """YIN on each row of ``x`` (``frame + max_lag + 1`` samples): F0 in Hz, 0 when unvoiced."""
    n_fft = 1 << int(np.ceil(np.log2(x.shape[1])))
    # r[tau] = sum_j x[j] x[j + tau] over the first `frame` samples, by FFT cross-correlation
    spectrum = np.fft.rfft(x, n_fft) * np.conj(np.fft.rfft(x[:, :frame], n_fft))
    r = np.fft.irfft(spectrum, n_fft)[:, :max_lag + 1]
    squares = np.concatenate([np.zeros((len(x), 1)), np.cumsum(x ** 2, axis=1)], axis=1)
    lags = np.arange(max_lag + 1)
    diff = squares[:, frame:frame + 1] + squares[:, lags + frame] - squares[:, lags] - 2.0 * r
    diff[:, 0] = 0.0
    diff = np.maximum(diff, 0.0)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * lags[1:] / np.maximum(np.cumsum(diff[:, 1:], axis=1), 1e-12)
    below = cmnd < YIN_THRESHOLD
    below[:, :int(np.floor(sample_rate_hz / MAX_PITCH_HZ))] = False
    voiced = below.any(axis=1)
    first = np.argmax(below, axis=1)
    # the dip is the stretch below threshold that starts at the first crossing; take its minimum
    after = lags[None, :] >= first[:, None]
    rising = ~below & after
    dip_end = np.where(rising.any(axis=1), np.argmax(rising, axis=1), max_lag + 1)
    in_dip = after & (lags[None, :] < dip_end[:, None])
    tau = np.argmin(np.where(in_dip, cmnd, np.inf), axis=1)
    rows = np.arange(len(x))
    tau = np.clip(_prefer_double_period(cmnd, tau, rows, max_lag), 1, max_lag - 1)
    left, centre, right = cmnd[rows, tau - 1], cmnd[rows, tau], cmnd[rows, tau + 1]
    curvature = left - 2.0 * centre + right
    bent = curvature > 1e-12
    offset = np.where(bent, 0.5 * (left - right) / np.where(bent, curvature, 1.0), 0.0)
    f0 = sample_rate_hz / (tau + np.clip(offset, -1.0, 1.0))
    return np.where(voiced & (f0 >= MIN_PITCH_HZ) & (f0 <= MAX_PITCH_HZ), f0, 0.0)


def _prefer_double_period(cmnd: np.ndarray, tau: np.ndarray, rows: np.ndarray, max_lag: int) -> np.ndarray:
    """Take the lag near ``2 tau`` where it is clearly more periodic than ``tau`` (octave error)."""
    doubled = np.clip(2 * tau[:, None] + np.arange(-2, 3)[None, :], 0, max_lag)
    values = cmnd[rows[:, None], doubled]
    best = np.argmin(values, axis=1)
    better = (2 * tau + 2 <= max_lag) & (values[rows, best] < cmnd[rows, tau] - OCTAVE_MARGIN)
    return np.where(better, doubled[rows, best], tau)
