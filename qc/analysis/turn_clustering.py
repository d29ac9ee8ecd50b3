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
turns are kept.

Speech that voice activity detection heard but no turn covers (``voiced``; pyannote misses
short interjections in the other party's long turn: "Not my department. Whatever.") becomes
a turn of the nearer centroid when it lasts ``MIN_MISSED_S`` or more; its words would
otherwise go to the nearest turn, the other party's.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..schema import Turn

MAX_PIECE_S = 3.0
MIN_PIECE_S = 1.0
MIN_SHARE = 0.05
MIN_MISSED_S = 0.5  # voiced and in no turn: shorter is the VAD's padding beside a turn


def two_speakers_by_turn(turns: Sequence[Turn], embed: Callable[[float, float], np.ndarray],
                         voiced: Sequence[tuple[float, float]] = ()) -> list[Turn]:
    """``turns`` named again ``S0``/``S1``; ``embed(start_s, end_s)`` is the speaker embedding of that
    stretch; ``voiced``: voice activity (seconds), whose stretches in no turn are given a speaker too."""
    pieces = _pieces(turns) + missed_speech(turns, voiced)
    lengths = np.array([end - start for start, end in pieces])
    long = lengths >= MIN_PIECE_S
    if long.sum() < 2:
        return list(turns)
    vectors = np.array([embed(start, end) for start, end in pieces], dtype=np.float64)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    from scipy.cluster.hierarchy import fcluster, linkage

    clusters = fcluster(linkage(vectors[long], method="average", metric="cosine"), 2, criterion="maxclust") - 1
    share = min(lengths[long][clusters == k].sum() for k in (0, 1)) / lengths[long].sum()
    if share < MIN_SHARE:
        return list(turns)
    centroids = np.vstack([vectors[long][clusters == k].mean(axis=0) for k in (0, 1)])
    labels = np.argmax(vectors @ centroids.T, axis=1)
    labels[long] = clusters
    return _named(turns, pieces, labels)


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
