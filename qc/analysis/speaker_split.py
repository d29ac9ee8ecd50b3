"""When clustering merged two voices: split local speakers into two clusters (pure, numpy).

pyannote's agglomerative clustering can end with one speaker even when two are asked for:
only embeddings of local speakers that talk for 2 s or more of a 10 s chunk are clustered, and
clusters smaller than ``min_cluster_size`` are folded into the big one, so a customer who says
little, or a voice close to the agent's, disappears into the agent. The segmentation model has
still told the two voices apart inside each chunk where both speak: two local speakers of one
chunk are two people. :func:`split_in_two` uses exactly that. The axis along which such pairs
differ most separates the voices; embeddings are split on it where the two groups are furthest
apart, and refined by 2-means along that axis, except that the local speakers of one chunk always
go to different clusters (one-to-one assignment, as pyannote's ``constrained_assignment`` does).
"""

from __future__ import annotations

import numpy as np

MAX_ITERATIONS = 20
INACTIVE = -2  # pyannote's label for a local speaker that is silent in its chunk


def split_in_two(embeddings: np.ndarray, speech_frames: np.ndarray,
                 members: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Labels 0/1 of the local speakers in ``members``, and the two unit centroids.

    ``embeddings``: (chunks, local speakers, dimension), NaN where a speaker has none;
    ``speech_frames``: (chunks, local speakers), how long each one speaks in its chunk (weights);
    ``members``: (chunks, local speakers) bool, which of them to split (default: every one with
    an embedding and some speech). Returns ``labels`` (chunks, local speakers) with 0 or 1 for
    members and ``INACTIVE`` elsewhere, and ``centroids`` (2, dimension).
    """
    valid = ~np.isnan(embeddings).any(axis=2) & (speech_frames > 0)
    members = valid if members is None else members & valid
    labels = np.full(members.shape, INACTIVE, dtype=np.int8)
    if members.sum() < 2:  # nothing to split
        labels[members] = 0
        return labels, np.zeros((2, embeddings.shape[2]))
    unit = np.where(valid[..., None], _unit(np.nan_to_num(embeddings)), 0.0)
    weights = np.sqrt(np.maximum(speech_frames, 0).astype(np.float64)) + 1e-9
    projection = unit @ _voice_axis(unit, weights, members)
    labels[members] = projection[members] > _best_threshold(projection[members], weights[members])
    for _ in range(MAX_ITERATIONS):  # 2-means along the axis, one chunk's speakers kept apart
        means = [np.average(projection[labels == k], weights=weights[labels == k]) if (labels == k).any()
                 else projection[members].max() if k else projection[members].min() for k in (0, 1)]
        updated = _assign(-np.abs(projection[..., None] - np.array(means)), members)
        if np.array_equal(updated, labels):
            break
        labels = updated
    centroids = np.vstack([_unit(np.average(unit[labels == k], axis=0, weights=weights[labels == k]))
                           if (labels == k).any() else np.zeros(unit.shape[2]) for k in (0, 1)])
    return labels, centroids


def _voice_axis(unit: np.ndarray, weights: np.ndarray, members: np.ndarray) -> np.ndarray:
    """The direction along which two voices of one chunk differ most (else: of largest spread)."""
    differences = []
    for chunk in range(members.shape[0]):
        local = np.flatnonzero(members[chunk])
        for i, a in enumerate(local):
            for b in local[i + 1:]:
                differences.append((unit[chunk, a] - unit[chunk, b]) * min(weights[chunk, a], weights[chunk, b]))
    if differences:
        spread = np.array(differences)
    else:  # no chunk holds two of them
        points, point_weights = unit[members], weights[members]
        spread = (points - np.average(points, axis=0, weights=point_weights)) * point_weights[:, None]
    return np.linalg.svd(spread, full_matrices=False)[2][0]


def _best_threshold(values: np.ndarray, weights: np.ndarray) -> float:
    """Where a line cut separates weighted values best (largest between-group variance, Otsu)."""
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cumulative_w, cumulative_v = np.cumsum(weights), np.cumsum(weights * values)
    total_w, total_v = cumulative_w[-1], cumulative_v[-1]
    left_w, right_w = cumulative_w[:-1], total_w - cumulative_w[:-1]
    left_mean, right_mean = cumulative_v[:-1] / left_w, (total_v - cumulative_v[:-1]) / right_w
    between = left_w * right_w * (left_mean - right_mean) ** 2
    cut = int(np.argmax(between))
    return float((values[cut] + values[cut + 1]) / 2)


def _assign(similarity: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Each member to its most similar cluster; two members of one chunk never to the same one.

    ``similarity``: (chunks, local speakers, 2)."""
    from scipy.optimize import linear_sum_assignment

    labels = np.full(members.shape, INACTIVE, dtype=np.int8)
    for chunk in range(members.shape[0]):
        local = np.flatnonzero(members[chunk])
        if not len(local):
            continue
        rows, cols = linear_sum_assignment(similarity[chunk, local], maximize=True)
        labels[chunk, local] = np.argmax(similarity[chunk, local], axis=1)  # a third one: its nearest
        labels[chunk, local[rows]] = cols
    return labels


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)
