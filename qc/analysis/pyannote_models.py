"""What qc hands to pyannote.audio's ``SpeakerDiarization``: CAM++ as a speaker-embedding model,
an explicit "no PLDA" for agglomerative clustering, and a clustering that never gives fewer speakers
than it was asked for.

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
  CAM++ was trained on). Costs in proportion to the speaker's speech, not to the chunk. On a
  GPU a batch's rows go through together, padded and masked (:func:`embed_utterances`); on a
  CPU one at a time, which is faster there.
* ``weighted``: the whole chunk goes through the network and the mask weights the statistics
  pooling (pyannote's own WeSpeaker models do this).

A speaker with no active frame in a chunk gets a NaN embedding without any computation:
pyannote sends every local speaker of every chunk, drops NaN embeddings from clustering and
marks such speakers inactive.

:class:`NoPLDA`: the pipeline's constructor always loads a PLDA (by default from the hub,
which fails offline) although only VBx clustering uses it; qc clusters agglomeratively and
passes this empty PLDA, which fails loudly if anything ever tries to use it.

:class:`AtLeastClustering`: pyannote's agglomerative clustering can return one speaker when two
were asked for (its "Found only 1 clusters" note): then the cluster with the most speech is split
in two by :func:`qc.analysis.speaker_split.split_in_two`, until there are as many as asked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pyannote.audio import Model
from pyannote.audio.core.plda import PLDA
from pyannote.audio.pipelines.clustering import AgglomerativeClustering

from ..media import SAMPLE_RATE_HZ
from .campplus import (EMBEDDING_DIM, CamPlusPlus, load_campplus, log_mel_fbank, mel_filterbank,
                       povey_window, statistics_pooling)
from .diarize_options import POOLINGS
from .speaker_split import split_in_two

ACTIVE_THRESHOLD = 0.5
FRAMES_PER_BATCH = 16000  # padded filterbank frames (160 s) per CAM++ pass in speech-only pooling, on a GPU


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

    def embed_waveforms(self, waveforms: list[np.ndarray], frames_per_batch: int | None = None) -> np.ndarray:
        """Embeddings of whole 16 kHz mono stretches of any lengths, one row each: what the model
        gives each alone (as the pipeline's embedding does without masks), in batches on a GPU
        (``frames_per_batch``: see :func:`embed_utterances`)."""
        device = self.mel_bank.device
        with torch.inference_mode():
            utterances = []
            for wave in waveforms:
                features = self.features(torch.as_tensor(np.asarray(wave, dtype=np.float32), device=device)[None, None])
                utterances.append(features[0] - features[0].mean(dim=0))
            return embed_utterances(self.campplus, utterances, frames_per_batch).cpu().numpy()

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
        rows = torch.nonzero(active).flatten().tolist()
        speeches = []
        for row in rows:
            speech = features[row][frame_weights[row] > ACTIVE_THRESHOLD]
            if len(speech) == 0:
                speech = features[row]
            speeches.append(speech - speech.mean(dim=0))
        embeddings[rows] = embed_utterances(self.campplus, speeches)
        return embeddings


def stretch_embedder(pipeline, samples: np.ndarray):
    """``embed(stretches)``: the pipeline's speaker embeddings of those (start_s, end_s) stretches
    of ``samples`` (each at least 0.3 s), one row each; qc's CAM++ takes them all at once (batched
    on a GPU), another embedding model one at a time."""
    def part(start_s: float, end_s: float) -> np.ndarray:
        middle, half = (start_s + end_s) / 2, max(end_s - start_s, 0.3) / 2
        return samples[max(0, int((middle - half) * SAMPLE_RATE_HZ)):int((middle + half) * SAMPLE_RATE_HZ)]

    model = getattr(pipeline._embedding, "model_", None)

    def embed(stretches) -> np.ndarray:
        parts = [part(start_s, end_s) for start_s, end_s in stretches]
        if isinstance(model, CamPlusPlusEmbedding):
            return model.embed_waveforms(parts)
        return np.array([pipeline._embedding(torch.tensor(np.asarray(p, dtype=np.float32))[None, None])[0]
                         for p in parts])

    return embed


def embed_utterances(campplus: CamPlusPlus, utterances: list[torch.Tensor],
                     frames_per_batch: int | None = None) -> torch.Tensor:
    """CAM++ embeddings of utterances of any lengths ((frames, 80) each, normalised), in as few
    forward passes as fit ``frames_per_batch`` padded frames: longest first, each batch padded to
    its first (longest) row and closed before a row shorter than half of it, so little is padding.
    Each row gives what it gives alone, within rounding (see ``CamPlusPlus.frame_features``).
    By default one pass per row on a CPU (batching gains nothing there) and FRAMES_PER_BATCH on a
    GPU (one row a pass is launch-bound there)."""
    if frames_per_batch is None:
        frames_per_batch = 0 if not utterances or utterances[0].device.type == "cpu" else FRAMES_PER_BATCH
    order = sorted(range(len(utterances)), key=lambda i: -len(utterances[i]))
    out = torch.empty((len(utterances), EMBEDDING_DIM), device=utterances[0].device if utterances else "cpu")
    start = 0
    while start < len(order):
        longest = len(utterances[order[start]])
        end = start + 1
        while (end < len(order) and (end - start + 1) * longest <= frames_per_batch
               and 2 * len(utterances[order[end]]) >= longest):
            end += 1
        chosen = [utterances[i] for i in order[start:end]]
        lengths = torch.tensor([len(u) for u in chosen], device=chosen[0].device)
        padded = torch.nn.utils.rnn.pad_sequence(chosen, batch_first=True)
        out[order[start:end]] = campplus(padded, lengths=lengths if end - start > 1 else None)
        start = end
    return out



class NoPLDA(PLDA):
    """Stands for "no PLDA" where the pipeline requires one; only VBx clustering would use it."""

    def __init__(self):  # loads nothing, on purpose
        self.lda_dimension = 0

    @property
    def phi(self):
        raise RuntimeError("no PLDA is available offline: use agglomerative clustering, not VBx")

    def __call__(self, embeddings):
        raise RuntimeError("no PLDA is available offline: use agglomerative clustering, not VBx")


class AtLeastClustering(AgglomerativeClustering):
    """Agglomerative clustering that ends with at least ``num_clusters`` (or ``min_clusters``) speakers."""

    def __call__(self, embeddings, segmentations=None, num_clusters=None, min_clusters=None, max_clusters=None,
                 **kwargs):
        hard, soft, centroids = super().__call__(embeddings, segmentations=segmentations, num_clusters=num_clusters,
                                                 min_clusters=min_clusters, max_clusters=max_clusters, **kwargs)
        wanted = num_clusters or min_clusters or 1
        frames = segmentations.data.sum(axis=1) if segmentations is not None else None  # speech per local speaker
        if frames is None or not (frames > 0).any() or len(np.unique(hard[frames > 0])) >= wanted:
            return hard, soft, centroids
        _, hard = np.unique(np.where(frames > 0, hard, -1), return_inverse=True)
        hard = hard.reshape(frames.shape) - int((frames == 0).any())  # silent: -1, the others 0..n-1
        while hard.max() + 1 < wanted:
            biggest = max(range(hard.max() + 1), key=lambda k: frames[hard == k].sum())
            labels, _ = split_in_two(embeddings, frames, hard == biggest)
            if not (labels == 1).any() or not (labels == 0).any():
                break  # nothing left to split
            hard = np.where(labels == 1, hard.max() + 1, hard)
        unit = np.nan_to_num(embeddings / np.linalg.norm(embeddings, axis=2, keepdims=True))
        centroids = np.vstack([unit[hard == k].mean(axis=0) for k in range(hard.max() + 1)])
        soft = 1 + unit @ (centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)).T
        return hard, soft, centroids
