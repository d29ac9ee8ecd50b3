"""A two-party call's speakers found again turn by turn (pure; the embedding model is passed in).

pyannote clusters the *local speakers of 10 s chunks*. When its segmentation model hears two
close voices in a chunk as one local speaker (two similar agents' voices, one synthetic voice at
two pitches), those embeddings are mixtures that no clustering can pull apart, and one party
swallows the other: even with two speakers forced, 90 % of a call went to one of them. A call
is turn-taking, so pyannote's own turns, cut where its speakers change and at its pauses, are
a better unit: each piece (longer turns cut into equal parts of at most ``MAX_PIECE_S``) gets an
embedding of its own, pieces of at least ``MIN_PIECE_S`` are clustered into two (average
linkage, cosine), shorter ones join the nearer of the two centroids, and the turns are named
again piece by piece. Where two turns overlap, both parties keep speaking. When the smaller
cluster holds under ``MIN_SHARE`` of the speech (an odd piece rather than a voice), pyannote's
turns are kept. When the embeddings cannot tell the voices apart but their pitches can (two
synthetic voices, one voice at two pitches), the pieces are split by pitch instead
(:func:`_by_pitch`), only when the embeddings' split has collapsed (its smaller side holds under
``MAX_COLLAPSED_SHARE`` of the pieces, where two talking parties hold far more) and the pieces'
pitches form two groups set apart by ``MIN_PITCH_SEPARATION`` times their spread (one voice's
own range, split in two, gives about 2.7).

Speech that voice activity detection heard but no turn covers (``voiced``; pyannote misses
short interjections in the other party's long turn: "Not my department. Whatever.") becomes
a turn of the nearer centroid when it lasts ``MIN_MISSED_S`` or more; its words would
otherwise go to the nearest turn, the other party's.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

from ..schema import Turn

MAX_PIECE_S = 3.0
MIN_PIECE_S = 1.0
MIN_SHARE = 0.05
MIN_MISSED_S = 0.5  # voiced and in no turn: shorter is the VAD's padding beside a turn
MIN_PITCH_PIECES = 3  # pieces each side of a pitch split
MIN_PITCHED_SHARE = 0.6  # share of the long pieces with a pitch, else the pitch is not used
MAX_COLLAPSED_SHARE = 0.15  # the embeddings' smaller side under this share of the pieces: collapsed
MIN_PITCH_SEPARATION = 4.0  # gap between the pitch groups' means over their pooled spread


def two_speakers_by_turn(turns: Sequence[Turn], embed: Callable[[list[tuple[float, float]]], np.ndarray],
                         voiced: Sequence[tuple[float, float]] = (),
                         pitch: Optional[Callable[[float, float], float]] = None) -> list[Turn]:
    """``turns`` named again ``S0``/``S1``; ``embed(stretches)`` gives the speaker embeddings of those
    (start_s, end_s) stretches, one row each (all at once, so a GPU model can batch them);
    ``voiced``: voice activity (seconds), whose stretches in no turn are given a speaker too;
    ``pitch(start_s, end_s)``: the stretch's median F0 in Hz (0 when unvoiced), see :func:`_by_pitch`."""
    pieces = _pieces(turns) + missed_speech(turns, voiced)
    lengths = np.array([end - start for start, end in pieces])
    long = lengths >= MIN_PIECE_S
    if long.sum() < 2:
        return list(turns)
    vectors = np.array(embed(pieces), dtype=np.float64).reshape(len(pieces), -1)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    from scipy.cluster.hierarchy import fcluster, linkage

    clusters = fcluster(linkage(vectors[long], method="average", metric="cosine"), 2, criterion="maxclust") - 1
    semitones = None
    if pitch is not None and min(clusters.mean(), 1 - clusters.mean()) < MAX_COLLAPSED_SHARE:
        hz = np.array([pitch(start, end) for start, end in pieces], dtype=np.float64)
        semitones = np.where(hz > 0, 12.0 * np.log2(np.maximum(hz, 1e-6) / 100.0), np.nan)
        by_pitch = _by_pitch(vectors[long], semitones[long])
        if by_pitch is None:
            semitones = None
        else:
            clusters = by_pitch
    share = min(lengths[long][clusters == k].sum() for k in (0, 1)) / lengths[long].sum()
    if share < MIN_SHARE:
        return list(turns)
    centroids = np.vstack([vectors[long][clusters == k].mean(axis=0) for k in (0, 1)])
    labels = np.argmax(vectors @ centroids.T, axis=1)
    if semitones is not None:  # short pieces too go by their pitch where it is known
        centres = np.array([np.nanmedian(semitones[long][clusters == k]) for k in (0, 1)])
        known = ~np.isnan(semitones)
        labels[known] = np.argmin(np.abs(semitones[known, None] - centres[None, :]), axis=1)
    labels[long] = clusters
    return _named(turns, pieces, labels)


def _by_pitch(vectors: np.ndarray, semitones: np.ndarray) -> Optional[np.ndarray]:
    """The pieces split in two by their pitch instead, when the pitches show two voices.

    A speaker embedding trained on real voices can hear two synthetic or two close voices as one
    (their pieces' cosines overlapping), while the two parties' pitches stay apart by a few
    semitones. The pieces' median F0 is split by two-means; the split is taken when each group
    holds ``MIN_PITCH_PIECES`` pieces and the groups' means sit ``MIN_PITCH_SEPARATION`` pooled
    standard deviations apart (one voice's own pitch, normal and split in two, gives about 2.7).
    Pieces without a pitch go to the nearer group's embedding centroid. None keeps the
    embeddings' split."""
    known = ~np.isnan(semitones)
    if known.sum() < 2 * MIN_PITCH_PIECES or known.mean() < MIN_PITCHED_SHARE:
        return None
    values = semitones[known]
    low, high = np.percentile(values, [25, 75])
    if high - low < 1e-6:
        return None
    split = values > (low + high) / 2
    for _ in range(50):
        if split.all() or not split.any():
            return None
        low, high = values[~split].mean(), values[split].mean()
        moved = np.abs(values - high) < np.abs(values - low)
        if (moved == split).all():
            break
        split = moved
    if min(split.sum(), (~split).sum()) < MIN_PITCH_PIECES:
        return None
    spread = np.sqrt((values[split].var() * split.sum() + values[~split].var() * (~split).sum()) / len(values))
    if values[split].mean() - values[~split].mean() < MIN_PITCH_SEPARATION * max(spread, 1e-6):
        return None
    labels = np.zeros(len(semitones), dtype=int)
    labels[known] = split
    centroids = np.vstack([vectors[known][split == k].mean(axis=0) for k in (False, True)])
    labels[~known] = np.argmax(vectors[~known] @ centroids.T, axis=1)
    return labels


def missed_speech(turns: Sequence[Turn], voiced: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of ``voiced`` that no turn covers, of at least ``MIN_MISSED_S``, cut as turns are."""
    covered = sorted((turn[1], turn[2]) for turn in turns)
    missed = []
    for start, end in voiced:
        cursor = start
        for a, b in covered:
            if b <= cursor or a >= end:
                continue
            if a > cursor:
                missed.append((cursor, a))
            cursor = max(cursor, b)
        if end > cursor:
            missed.append((cursor, end))
    return [piece for start, end in missed if end - start >= MIN_MISSED_S for piece in _cut(start, end)]


def _pieces(turns: Sequence[Turn]) -> list[tuple[float, float]]:
    """The stretches between consecutive turn edges where someone speaks, long ones cut in equal parts."""
    edges = sorted({t for turn in turns for t in (turn[1], turn[2])})
    pieces = []
    for start, end in zip(edges, edges[1:]):
        if any(turn[1] <= start and turn[2] >= end for turn in turns):
            pieces += _cut(start, end)
    return pieces


def _cut(start: float, end: float) -> list[tuple[float, float]]:
    """``start``-``end`` in equal parts of at most ``MAX_PIECE_S``."""
    parts = max(1, int(np.ceil((end - start) / MAX_PIECE_S - 1e-9)))
    step = (end - start) / parts
    return [(start + k * step, start + (k + 1) * step) for k in range(parts)]


def _holders(turns: Sequence[Turn], piece: tuple[float, float]) -> frozenset:
    return frozenset(i for i, turn in enumerate(turns) if turn[1] <= piece[0] and turn[2] >= piece[1])


def _named(turns: Sequence[Turn], pieces: list[tuple[float, float]], labels: np.ndarray) -> list[Turn]:
    """Each piece under its label; where two turns overlap, the other label too; then joined."""
    named = []
    for (start, end), label in zip(pieces, labels):
        named.append(Turn(f"S{label}", start, end))
        if len(_holders(turns, (start, end))) > 1:
            named.append(Turn(f"S{1 - label}", start, end))
    merged: list[Turn] = []
    for turn in sorted(named, key=lambda t: (t.speaker, t.start_s)):
        if merged and merged[-1].speaker == turn.speaker and turn.start_s <= merged[-1].end_s + 1e-6:
            merged[-1] = Turn(turn.speaker, merged[-1].start_s, max(merged[-1].end_s, turn.end_s))
        else:
            merged.append(turn)
    return sorted(merged, key=lambda t: (t.start_s, t.end_s))
