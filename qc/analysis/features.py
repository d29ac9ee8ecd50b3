"""Whisper's log-mel features with a transient a quarter of the library's.

faster-whisper's ``FeatureExtractor`` frames everything it is given at once: a windowed copy of
every 400-sample frame, their FFT, a complex64 copy and the magnitudes, about 64 bytes of
transient memory per input sample (308 MB for 5 minutes of speech, measured with tracemalloc).
One channel's speech of a 15-minute call then needs about a gigabyte for a moment, two workers
side by side twice that. The features themselves are small (80 floats per 10 ms frame).

:class:`BlockedFeatureExtractor` computes the frames' spectra :data:`BLOCK_FRAMES` at a time (30
s: one block's FFT, about 20 MB) into the power spectrum of the whole input (5 bytes a sample),
then the mel product, the logarithm and the floor 8 below the loudest value on the whole
array, as the library does: the features are equal to the library's to the bit (72 MB for the
same 5 minutes). Each frame's FFT depends only on its own 400 samples; the mel product is kept
whole because a product of fewer columns may sum in another order and move the last bit. It
wraps a faster-whisper ``FeatureExtractor`` and keeps its interface (``__call__``,
``mel_filters``, ``hop_length``...), so it replaces ``WhisperModel.feature_extractor`` in place.
"""

from __future__ import annotations

import numpy as np

BLOCK_FRAMES = 3000  # 30 s of 10 ms frames at a time


class BlockedFeatureExtractor:
    def __init__(self, inner, block_frames: int = BLOCK_FRAMES):
        self._inner = inner
        self.block_frames = block_frames

    def __getattr__(self, name):  # n_fft, hop_length, nb_max_frames, time_per_frame, sampling_rate...
        return getattr(self._inner, name)

    def __call__(self, waveform: np.ndarray, padding: int = 160, chunk_length=None) -> np.ndarray:
        inner = self._inner
        if chunk_length is not None:  # as the library does: it sets the window's length for later calls
            inner.n_samples = chunk_length * inner.sampling_rate
            inner.nb_max_frames = inner.n_samples // inner.hop_length
        waveform = np.asarray(waveform, dtype=np.float32)
        if waveform.ndim != 1:  # a batch: the library's own path
            return inner(waveform, padding=padding)
        if padding:
            waveform = np.pad(waveform, (0, padding))
        n_fft, hop = inner.n_fft, inner.hop_length
        padded = np.pad(waveform, (n_fft // 2, n_fft // 2), mode="reflect")
        del waveform
        frames = 1 + (len(padded) - n_fft) // hop - 1  # the library drops the last frame
        window = np.hanning(n_fft + 1)[:-1].astype("float32")
        # the power spectrum of every frame (5 bytes a sample), laid out as the library's, filled a
        # block at a time; the mel product then runs once on all of it, as the library's does (a
        # matrix product of fewer columns can sum in another order and move the last bit)
        magnitudes = np.empty((n_fft // 2 + 1, frames), dtype=np.float32, order="F")
        for first in range(0, frames, self.block_frames):
            count = min(self.block_frames, frames - first)
            span = padded[first * hop:(first + count - 1) * hop + n_fft]
            windowed = np.lib.stride_tricks.as_strided(span, (count, n_fft), (hop * span.strides[0], span.strides[0]))
            spectrum = np.fft.rfft(windowed * window, axis=-1).astype("complex64")
            magnitudes[:, first:first + count] = np.abs(spectrum.T) ** 2
            del spectrum, windowed
        del padded
        mel_spec = inner.mel_filters @ magnitudes
        del magnitudes
        log_spec = np.log10(np.clip(mel_spec, a_min=1e-10, a_max=None))
        del mel_spec
        np.maximum(log_spec, log_spec.max() - 8.0, out=log_spec)
        log_spec += 4.0
        log_spec /= 4.0
        return log_spec
