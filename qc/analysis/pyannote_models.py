"""What qc hands to pyannote.audio's ``SpeakerDiarization``: CAM++ as a speaker-embedding model,
and an explicit "no PLDA" for agglomerative clustering.

pyannote's ``SpeakerDiarization(embedding=...)`` accepts any pyannote ``Model`` instance: it
wraps it in ``PyannoteAudioPretrainedSpeakerEmbedding`` and calls
``model(waveforms, weights=masks)`` once per batch of (chunk, local speaker) pairs, where
``waveforms`` is (batch, 1, samples) at 16 kHz and ``masks`` (batch, frames) says when that
speaker is active in the chunk, at the segmentation model's frame rate. This class is such a
model, so the pipeline uses CAM++ through its public constructor and nothing of pyannote is
patched. Imported only by :mod:`qc.analysis.diarize` (it imports torch and pyannote.audio).

Pooling (``pooling``):

* ``speech-only`` (default): only the filterbank frames where the speaker is active go
  through the network, mean-normalised together, as for a single-speaker utterance (what
  CAM++ was trained on). Costs in proportion to the speaker's speech, not to the chunk.
* ``weighted``: the whole chunk goes through the network and the mask weights the statistics
  pooling (pyannote's own WeSpeaker models do this).

A speaker with no active frame in a chunk gets a NaN embedding without any computation:
pyannote sends every local speaker of every chunk, drops NaN embeddings from clustering and
marks such speakers inactive.

:class:`NoPLDA`: the pipeline's constructor always loads a PLDA (by default from the hub,
which fails offline) although only VBx clustering uses it; qc clusters agglomeratively and
passes this empty PLDA, which fails loudly if anything ever tries to use it.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from pyannote.audio import Model
from pyannote.audio.core.plda import PLDA

from ..media import SAMPLE_RATE_HZ
from .campplus import (EMBEDDING_DIM, CamPlusPlus, load_campplus, log_mel_fbank, mel_filterbank,
                       povey_window, statistics_pooling)
from .diarize_options import POOLINGS

ACTIVE_THRESHOLD = 0.5


class CamPlusPlusEmbedding(Model):
    """pyannote ``Model`` computing 192-d CAM++ embeddings from 16 kHz waveforms (and masks)."""

    def __init__(self, sample_rate: int = SAMPLE_RATE_HZ, num_channels: int = 1, pooling: str = "speech-only",
                 task=None):
        if sample_rate != SAMPLE_RATE_HZ:
            raise ValueError(f"CAM++ works at {SAMPLE_RATE_HZ} Hz, not {sample_rate}")
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; choose {' or '.join(POOLINGS)}")
        super().__init__(sample_rate=sample_rate, num_channels=num_channels, task=task)
        self.save_hyperparameters("pooling")
        self.campplus = CamPlusPlus()
        self.register_buffer("mel_bank", mel_filterbank(), persistent=False)
        self.register_buffer("window", povey_window(), persistent=False)

    @classmethod
    def from_checkpoint(cls, path: str | Path, pooling: str = "speech-only") -> "CamPlusPlusEmbedding":
        model = cls(pooling=pooling)
        model.campplus = load_campplus(path)
        return model.eval()

    @property
    def dimension(self) -> int:
        return EMBEDDING_DIM

    def features(self, waveforms: torch.Tensor) -> torch.Tensor:
        """(batch, 1, samples) -> (batch, frames, 80) log mel filterbank, not yet normalised."""
        return log_mel_fbank(waveforms[:, 0], self.mel_bank, self.window)

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        features = self.features(waveforms)
        if weights is None:
            return self.campplus(features - features.mean(dim=1, keepdim=True))
        frame_weights = F.interpolate(weights[:, None].float(), size=features.shape[1], mode="nearest")[:, 0]
        embeddings = torch.full((len(features), EMBEDDING_DIM), float("nan"), device=features.device)
        active = frame_weights.sum(dim=1) > 0
        if not active.any():
            return embeddings
        if self.hparams.pooling == "weighted":
            chosen, chosen_weights = features[active], frame_weights[active]
            net_frames = self.campplus.frame_features(chosen - chosen.mean(dim=1, keepdim=True))
            pooled = F.interpolate(chosen_weights[:, None], size=net_frames.shape[-1], mode="nearest")[:, 0]
            embeddings[active] = self.campplus.xvector.embed(statistics_pooling(net_frames, pooled))
            return embeddings
        for row in torch.nonzero(active).flatten().tolist():
            speech = features[row][frame_weights[row] > ACTIVE_THRESHOLD]
            if len(speech) == 0:
                speech = features[row]
            embeddings[row] = self.campplus(speech[None] - speech.mean(dim=0))[0]
        return embeddings



class NoPLDA(PLDA):
    """Stands for "no PLDA" where the pipeline requires one; only VBx clustering would use it."""

    def __init__(self):  # loads nothing, on purpose
        self.lda_dimension = 0

    @property
    def phi(self):
        raise RuntimeError("no PLDA is available offline: use agglomerative clustering, not VBx")

    def __call__(self, embeddings):
        raise RuntimeError("no PLDA is available offline: use agglomerative clustering, not VBx")
