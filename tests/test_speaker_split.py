"""Two speakers forced: a clustering that merged two close voices is split again, keeping apart
the local speakers pyannote's segmentation heard in one chunk."""

import numpy as np
import pytest

from qc.analysis.speaker_split import INACTIVE, split_in_two

DIM = 16


def close_voices(seed=0, chunks=30, b_every=3, nuisance=1.0):
    """Chunks where voice A always speaks (local speaker 0) and voice B, a close voice (cosine
    0.85 with A), speaks in every ``b_every``-th chunk, briefly (local speaker 1). Each chunk also
    moves both of its embeddings along a shared nuisance direction (what is said, the line), larger
    than the difference between the voices, so the direction of largest spread is not the voices'."""
    rng = np.random.default_rng(seed)
    a = np.eye(DIM)[0]
    b = 0.85 * a + np.sqrt(1 - 0.85 ** 2) * np.eye(DIM)[1]
    shared = np.eye(DIM)[2]
    embeddings = np.full((chunks, 3, DIM), np.nan)
    frames = np.zeros((chunks, 3))
    for c in range(chunks):
        drift = nuisance * rng.normal() * shared
        embeddings[c, 0] = a + drift + rng.normal(0, 0.05, DIM)
        frames[c, 0] = 400
        if c % b_every == 0:
            embeddings[c, 1] = b + drift + rng.normal(0, 0.05, DIM)
            frames[c, 1] = 60
    truth = np.where(frames > 0, np.where(np.arange(3) == 1, 1, 0)[None].repeat(chunks, 0), INACTIVE)
    return embeddings, frames, truth


def same_partition(labels, truth):
    active = truth != INACTIVE
    return np.array_equal(labels[active], truth[active]) or np.array_equal(labels[active], 1 - truth[active])


def test_close_voices_are_split_along_what_tells_one_chunks_speakers_apart():
    embeddings, frames, truth = close_voices()
    labels, centroids = split_in_two(embeddings, frames)
    assert same_partition(labels, truth)
    assert (labels[frames == 0] == INACTIVE).all()
    assert centroids.shape == (2, DIM) and np.allclose(np.linalg.norm(centroids, axis=1), 1)


def test_only_the_members_asked_for_are_split():
    embeddings, frames, truth = close_voices()
    members = np.zeros(frames.shape, bool)
    members[:10] = frames[:10] > 0
    labels, _ = split_in_two(embeddings, frames, members)
    assert (labels[10:] == INACTIVE).all()
    assert same_partition(labels[:10], truth[:10])


def test_one_embedding_is_not_split():
    embeddings, frames, _ = close_voices(chunks=1)
    frames[0, 1] = 0
    labels, _ = split_in_two(embeddings, frames)
    assert labels[0].tolist() == [0, INACTIVE, INACTIVE]


@pytest.fixture
def collapsed(monkeypatch):
    """pyannote's agglomerative clustering, made to merge everything into one cluster (what it did
    on two close voices: "Found only 1 clusters")."""
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering

    def one_cluster(self, embeddings, segmentations=None, **kwargs):
        chunks, local, _ = embeddings.shape
        return np.zeros((chunks, local), dtype=np.int8), np.ones((chunks, local, 1)), \
            np.nanmean(embeddings.reshape(-1, DIM), axis=0, keepdims=True)

    monkeypatch.setattr(AgglomerativeClustering, "__call__", one_cluster)


def segmentations_of(frames):
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    binary = np.zeros((frames.shape[0], 589, frames.shape[1]))
    for c, l in zip(*np.nonzero(frames)):
        binary[c, :int(frames[c, l]), l] = 1
    return SlidingWindowFeature(binary, SlidingWindow(start=0.0, duration=10.0, step=5.0))


def test_two_speakers_asked_for_never_end_as_one(collapsed):
    from qc.analysis.pyannote_models import AtLeastClustering

    embeddings, frames, truth = close_voices()
    hard, soft, centroids = AtLeastClustering()(embeddings, segmentations=segmentations_of(frames), num_clusters=2)
    assert same_partition(hard, truth)
    assert centroids.shape == (2, DIM) and soft.shape == (*frames.shape, 2)
    hard, _, centroids = AtLeastClustering()(embeddings, segmentations=segmentations_of(frames), min_clusters=2,
                                             max_clusters=4)
    assert same_partition(hard, truth) and len(centroids) == 2


def test_one_speaker_allowed_stays_one(collapsed):
    from qc.analysis.pyannote_models import AtLeastClustering

    embeddings, frames, _ = close_voices()
    hard, _, centroids = AtLeastClustering()(embeddings, segmentations=segmentations_of(frames))
    assert len(np.unique(hard[frames > 0])) == 1 and len(centroids) == 1


def test_the_default_diarizer_uses_it():
    from qc.analysis.diarize import Diarizer
    from qc.analysis.pyannote_models import AtLeastClustering

    assert isinstance(Diarizer().load().clustering, AtLeastClustering)
