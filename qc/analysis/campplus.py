"""CAM++ speaker embeddings (192-d), written for the packaged zh+en checkpoint.

The checkpoint (``campplus_cn_en_common.pt``, 3D-Speaker, Apache-2.0) is a plain
``state_dict``, so the network is defined here, from the architecture of the CAM++ paper
(Wang et al., "CAM++: A Fast and Efficient Network for Speaker Verification Using
Context-Aware Masking", Interspeech 2023), with module names that match the checkpoint:

* ``head``: a 2-D convolutional front end over the 80 x T filterbank: a 3x3 convolution,
  two stages of two residual blocks and a last 3x3 convolution, each stage and the last
  convolution halving the frequency axis (80 -> 10), giving 32 x 10 = 320 channels per frame.
* ``xvector``: a TDNN layer (kernel 5, stride 2 in time, 128 channels), then three densely
  connected TDNN blocks of 12, 24 and 16 layers (growth 32, dilation 1, 2, 2) separated by
  transition layers that halve the channels; each dense layer ends with a context-aware mask:
  a local dilated convolution gated by a sigmoid of the utterance mean plus 100-frame segment
  means of its input. Statistics pooling (mean and standard deviation, 1024) and a dense
  layer give the 192-d embedding.

What the checkpoint's shapes do not say (strides, dilations, context segment length)
follows the paper. The alternatives were checked on real two-speaker recordings of
../shared/data: other strides and dilations separated the speakers worse (dilations 1,1,1
or a stride-1 TDNN: same/different-speaker cosine gap 0.25 instead of 0.37 on sample.wav;
a stride-2 first convolution: no gap at all); 50-frame segments made no difference.

Input: 80-bin Kaldi-style log mel filterbank (25 ms Povey window, 10 ms shift, no dither)
with the utterance mean subtracted. This module needs only torch; the pyannote.audio wrapper
is in :mod:`qc.pyannote_models`.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..media import SAMPLE_RATE_HZ

NUM_MEL_BINS = 80
FRAME_LENGTH_SAMPLES = 400  # 25 ms
FRAME_SHIFT_SAMPLES = 160  # 10 ms
FFT_SIZE = 512
PREEMPHASIS = 0.97
LOW_FREQ_HZ = 20.0
LOG_FLOOR = float(torch.finfo(torch.float32).eps)
EMBEDDING_DIM = 192
CONTEXT_SEGMENT_FRAMES = 100
DENSE_BLOCKS = ((12, 1), (24, 2), (16, 2))  # (layers, dilation)
GROWTH, BOTTLENECK = 32, 128


# -- features --------------------------------------------------------------------------------


def _mel(freq_hz: torch.Tensor) -> torch.Tensor:
    return 1127.0 * torch.log1p(freq_hz / 700.0)


def mel_filterbank() -> torch.Tensor:
    """(FFT_SIZE // 2 + 1, NUM_MEL_BINS) triangles, equally spaced on Kaldi's mel scale."""
    low, high = _mel(torch.tensor(LOW_FREQ_HZ)), _mel(torch.tensor(SAMPLE_RATE_HZ / 2))
    delta = (high - low) / (NUM_MEL_BINS + 1)
    left = low + delta * torch.arange(NUM_MEL_BINS, dtype=torch.float64)
    centre, right = left + delta, left + 2 * delta
    mels = _mel(torch.arange(FFT_SIZE // 2 + 1, dtype=torch.float64) * SAMPLE_RATE_HZ / FFT_SIZE)[:, None]
    bank = torch.minimum((mels - left) / (centre - left), (right - mels) / (right - centre)).clamp_min(0)
    bank[-1] = 0  # Kaldi's filters stop below the Nyquist bin
    return bank.float()


def povey_window() -> torch.Tensor:
    n = torch.arange(FRAME_LENGTH_SAMPLES, dtype=torch.float64)
    return (0.5 - 0.5 * torch.cos(2 * math.pi * n / (FRAME_LENGTH_SAMPLES - 1))).pow(0.85).float()


def num_feature_frames(num_samples: int) -> int:
    return max(0, 1 + (num_samples - FRAME_LENGTH_SAMPLES) // FRAME_SHIFT_SAMPLES)


def log_mel_fbank(waveforms: torch.Tensor, bank: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """(batch, samples) float waveforms in [-1, 1] -> (batch, frames, 80) log mel energies.

    Kaldi conventions: 16-bit sample scale, per-frame DC removal, pre-emphasis 0.97,
    Povey window, 512-point FFT power spectrum, frames fully inside the signal only.
    """
    frames = (waveforms * 32768.0).unfold(-1, FRAME_LENGTH_SAMPLES, FRAME_SHIFT_SAMPLES)
    frames = frames - frames.mean(dim=-1, keepdim=True)
    previous = torch.cat([frames[..., :1], frames[..., :-1]], dim=-1)
    frames = (frames - PREEMPHASIS * previous) * window
    spectrum = torch.fft.rfft(frames, n=FFT_SIZE)
    power = spectrum.real.square() + spectrum.imag.square()
    return torch.log(torch.matmul(power, bank).clamp_min(LOG_FLOOR))


# -- network ---------------------------------------------------------------------------------


class _Pointwise(nn.Conv1d):
    """A kernel-1 convolution computed as a matrix product (several times faster on CPU than
    the generic convolution for these shapes; same parameters, same result)."""

    def __init__(self, in_channels: int, out_channels: int, bias: bool = True):
        super().__init__(in_channels, out_channels, 1, bias=bias)

    def forward(self, x):
        y = torch.matmul(self.weight[:, :, 0], x)
        return y if self.bias is None else y + self.bias[:, None]


class _Norm(nn.Module):
    """Batch norm, then ReLU unless ``relu`` is False (module name matches the checkpoint)."""

    def __init__(self, channels: int, affine: bool = True, relu: bool = True):
        super().__init__()
        self.batchnorm = nn.BatchNorm1d(channels, affine=affine)
        self.relu = relu

    def forward(self, x):
        x = self.batchnorm(x)
        return F.relu(x) if self.relu else x


class _ResidualBlock2d(nn.Module):
    def __init__(self, channels: int, freq_stride: int):
        super().__init__()
        stride = (freq_stride, 1)
        self.conv1 = nn.Conv2d(channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = nn.Sequential()
        if freq_stride != 1:
            self.shortcut = nn.Sequential(nn.Conv2d(channels, channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(channels))

    def forward(self, x, mask=None):
        y = _masked(F.relu(self.bn1(self.conv1(x))), mask)
        y = self.bn2(self.conv2(y))
        return _masked(F.relu(y + self.shortcut(x)), mask)


class _FrontEnd(nn.Module):
    """2-D convolutions over (frequency, time); frequency 80 -> 10, time unchanged."""

    def __init__(self, channels: int = 32):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.layer1 = nn.Sequential(_ResidualBlock2d(channels, 2), _ResidualBlock2d(channels, 1))
        self.layer2 = nn.Sequential(_ResidualBlock2d(channels, 2), _ResidualBlock2d(channels, 1))
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=(2, 1), padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.out_channels = channels * NUM_MEL_BINS // 8

    def forward(self, features, mask=None):  # (batch, frames, mels), (batch, frames) or None
        # channels-last: oneDNN's 3x3 convolutions run about 3x faster on CPU in this layout
        x = features.transpose(1, 2).unsqueeze(1).contiguous(memory_format=torch.channels_last)
        mask = None if mask is None else mask[:, None, None, :]
        x = _masked(F.relu(self.bn1(self.conv1(x))), mask)
        for block in (*self.layer1, *self.layer2):
            x = block(x, mask)
        x = _masked(F.relu(self.bn2(self.conv2(x))), mask)
        return x.contiguous().flatten(1, 2)  # (batch, channels * freq, frames)


class _ContextAwareMask(nn.Module):
    """Local dilated convolution, gated by what the utterance and its segment sound like."""

    def __init__(self, in_channels: int, out_channels: int, dilation: int):
        super().__init__()
        self.linear_local = nn.Conv1d(in_channels, out_channels, 3, padding=dilation, dilation=dilation,
                                      bias=False)
        self.linear1 = _Pointwise(in_channels, in_channels // 2)
        self.linear2 = _Pointwise(in_channels // 2, out_channels)

    def forward(self, x, mask=None):
        if mask is None:
            context = x.mean(dim=-1, keepdim=True) + _segment_means(x, CONTEXT_SEGMENT_FRAMES)
        else:
            x = x * mask
            context = x.sum(dim=-1, keepdim=True) / mask.sum(dim=-1, keepdim=True) + _segment_means(
                x, CONTEXT_SEGMENT_FRAMES, mask)
        gate = torch.sigmoid(self.linear2(F.relu(self.linear1(context))))
        return self.linear_local(x) * gate


def _segment_means(x: torch.Tensor, length: int, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean of each run of ``length`` frames (the last one possibly shorter), spread back over it;
    with a ``mask`` (batch, 1, frames) of ones then zeros, only the frames it keeps count."""
    frames = x.shape[-1]
    padded = F.pad(x, (0, -frames % length))
    sums = padded.unflatten(-1, (-1, length)).sum(dim=-1)
    if mask is None:
        counts = torch.full((sums.shape[-1],), float(length), device=x.device, dtype=x.dtype)
        counts[-1] = frames - length * (sums.shape[-1] - 1)
    else:
        counts = F.pad(mask, (0, -frames % length)).unflatten(-1, (-1, length)).sum(dim=-1).clamp_min(1)
    return (sums / counts).repeat_interleave(length, dim=-1)[..., :frames]


def _masked(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Zeroes the frames past each row's end, so the next convolution sees there what it would
    see past the end of that row alone (its zero padding)."""
    return x if mask is None else x * mask


class _DenseLayer(nn.Module):
    def __init__(self, in_channels: int, dilation: int):
        super().__init__()
        self.nonlinear1 = _Norm(in_channels)
        self.linear1 = _Pointwise(in_channels, BOTTLENECK, bias=False)
        self.nonlinear2 = _Norm(BOTTLENECK)
        self.cam_layer = _ContextAwareMask(BOTTLENECK, GROWTH, dilation)

    def forward(self, x, mask=None):
        return torch.cat([x, self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))), mask)], dim=1)


class _DenseBlock(nn.Sequential):
    def __init__(self, in_channels: int, num_layers: int, dilation: int):
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"tdnnd{i + 1}", _DenseLayer(in_channels + i * GROWTH, dilation))
        self.out_channels = in_channels + num_layers * GROWTH

    def forward(self, x, mask=None):
        for layer in self:
            x = layer(x, mask)
        return x


class _Conv(nn.Module):
    """A 1-D convolution with its batch norm, in either order (``norm_first``)."""

    def __init__(self, in_channels, out_channels, kernel=1, stride=1, norm_first=False, affine=True, relu=True):
        super().__init__()
        self.norm_first = norm_first
        self.linear = (_Pointwise(in_channels, out_channels, bias=False) if kernel == 1 and stride == 1 else
                       nn.Conv1d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2, bias=False))
        self.nonlinear = _Norm(in_channels if norm_first else out_channels, affine=affine, relu=relu)

    def forward(self, x):
        return self.linear(self.nonlinear(x)) if self.norm_first else self.nonlinear(self.linear(x))


class _XVector(nn.Module):
    def __init__(self, in_channels: int):
        super().__init__()
        self.tdnn = _Conv(in_channels, 128, kernel=5, stride=2)
        channels = 128
        for index, (layers, dilation) in enumerate(DENSE_BLOCKS, start=1):
            block = _DenseBlock(channels, layers, dilation)
            self.add_module(f"block{index}", block)
            channels = block.out_channels // 2
            self.add_module(f"transit{index}", _Conv(block.out_channels, channels, norm_first=True))
        self.out_nonlinear = _Norm(channels)
        self.dense = _Conv(2 * channels, EMBEDDING_DIM, affine=False, relu=False)

    def frames(self, x, mask=None):
        """``mask`` (batch, 1, frames after the stride-2 TDNN) is None when every row is whole."""
        x = self.tdnn(x)
        for index in range(1, len(DENSE_BLOCKS) + 1):
            x = getattr(self, f"transit{index}")(getattr(self, f"block{index}")(x, mask))
        return self.out_nonlinear(x)

    def embed(self, statistics):
        return self.dense(statistics.unsqueeze(-1)).squeeze(-1)


class CamPlusPlus(nn.Module):
    """The CAM++ network: (batch, frames, 80) normalised fbank -> (batch, 192) embeddings."""

    def __init__(self):
        super().__init__()
        self.head = _FrontEnd().to(memory_format=torch.channels_last)  # kept by load_state_dict
        self.xvector = _XVector(self.head.out_channels)

    def frame_features(self, features: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, frames, 80) -> (batch, 512, ceil(frames / 2)) frame-level representations.

        ``lengths`` (batch,): rows of different lengths padded with zeros at the end; each row
        then gives, within rounding, what it gives alone (nothing past its end reaches it).
        """
        if lengths is None:
            return self.xvector.frames(self.head(features))
        steps = torch.arange(features.shape[1], device=features.device)
        head = self.head(features * (steps < lengths[:, None])[..., None], (steps < lengths[:, None]).to(features))
        half = torch.arange((head.shape[-1] + 1) // 2, device=features.device) < (lengths[:, None] + 1) // 2
        return self.xvector.frames(head, half[:, None].to(features))

    def forward(self, features: torch.Tensor, weights: torch.Tensor | None = None,
                lengths: torch.Tensor | None = None) -> torch.Tensor:
        frames = self.frame_features(features, lengths)
        if weights is None and lengths is not None:
            weights = (torch.arange(frames.shape[-1], device=frames.device) < (lengths[:, None] + 1) // 2)
        if weights is None:
            weights = torch.ones(frames.shape[0], frames.shape[-1], device=frames.device, dtype=frames.dtype)
        return self.xvector.embed(statistics_pooling(frames, weights.to(frames)))


def statistics_pooling(frames: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Weighted mean and unbiased standard deviation over time: (batch, C, T), (batch, T) -> (batch, 2C)."""
    weights = weights.unsqueeze(1)
    total = weights.sum(dim=-1, keepdim=True).clamp_min(1e-8)
    mean = (frames * weights).sum(dim=-1, keepdim=True) / total
    correction = total - weights.square().sum(dim=-1, keepdim=True) / total
    variance = ((frames - mean).square() * weights).sum(dim=-1, keepdim=True) / correction.clamp_min(1e-8)
    return torch.cat([mean, variance.clamp_min(1e-10).sqrt()], dim=1).squeeze(-1)


def load_campplus(path: str | Path, map_location="cpu") -> CamPlusPlus:
    """Build the network and load a CAM++ ``state_dict`` into it (every name and shape must match)."""
    state = torch.load(str(path), map_location=map_location, weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{path}: expected a CAM++ state_dict, found {type(state).__name__}")
    model = CamPlusPlus()
    model.load_state_dict(state, strict=True)
    return model.eval()
