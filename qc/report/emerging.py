"""Emerging topics: the ``other`` problem statements of a period, grouped by what they say (pure).

Each ``other`` call keeps its statement's e5 vector (``reason.vector``, stored by the record
step, so no model is loaded here). Statements are clustered per language (Chinese and English
vectors are not comparable on one scale) by average-linkage agglomeration: the two groups whose
statements are most alike on average merge, until no two groups reach :data:`SIMILARITY`.
Groups of at least :data:`MIN_CALLS` calls are shown, largest first, each named by its most
central statement (the one most like the others), with a few example calls: a topic the
taxonomy lacks, to add to it once it is worth routing.
"""

from __future__ import annotations

from ..rules.context import decode_vector
from ..text import CJK

SIMILARITY = {"zh": 0.92, "en": 0.89}  # e5 cosines: Chinese statements sit closer together than English
MIN_CALLS = 2
MAX_CALLS = 500  # the newest; agglomeration is cubic in the count
EXAMPLES_SHOWN = 3


def emerging_topics(calls: list[dict]) -> list[dict]:
    """Groups of like ``other`` statements: ``{label, calls, share, examples}``, largest first."""
    kept = sorted((c for c in calls if (c.get("reason") or {}).get("vector")), key=lambda c: c["started_at"])
    kept = kept[-MAX_CALLS:]
    groups = []
    for language in SIMILARITY:
        members = [c for c in kept if ("zh" if CJK.search(c["reason"].get("statement", "")) else "en") == language]
        if len(members) >= MIN_CALLS:
            groups += _clusters(members, SIMILARITY[language])
    groups.sort(key=lambda g: (-len(g["members"]), g["label"]))
    return [{"label": g["label"], "calls": len(g["members"]), "share": round(100 * len(g["members"]) / len(calls)),
             "examples": [{"call": c, "start_s": c["reason"].get("start_s"), "quote": c["reason"].get("statement", "")}
                          for c in g["members"][:EXAMPLES_SHOWN]]}
            for g in groups]


def cluster_indices(vectors, threshold: float) -> list[list[int]]:
    """Average-linkage clusters of the rows of ``vectors`` (unit length): lists of row indices."""
    import numpy as np

    similarity = vectors @ vectors.T
    sums = similarity.copy()  # sum of member-to-member cosines between two clusters
    sizes = np.ones(len(vectors))
    members = [[i] for i in range(len(vectors))]
    alive = np.ones(len(vectors), dtype=bool)
    while alive.sum() > 1:
        average = sums / np.outer(sizes, sizes)
        average[~alive, :] = -np.inf
        average[:, ~alive] = -np.inf
        np.fill_diagonal(average, -np.inf)
        a, b = divmod(int(average.argmax()), len(vectors))
        if average[a, b] < threshold:
            break
        sums[a, :] += sums[b, :]
        sums[:, a] = sums[a, :]
        sizes[a] += sizes[b]
        members[a] += members[b]
        alive[b] = False
    return [members[i] for i in range(len(vectors)) if alive[i]]


def _clusters(calls: list[dict], threshold: float) -> list[dict]:
    import numpy as np

    vectors = np.stack([decode_vector(c["reason"]["vector"]) for c in calls])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    out = []
    for indices in cluster_indices(vectors, threshold):
        if len(indices) < MIN_CALLS:
            continue
        inner = vectors[indices] @ vectors[indices].T
        central = indices[int(inner.mean(axis=1).argmax())]
        ordered = sorted(indices, key=lambda i: -float(vectors[i] @ vectors[central]))
        out.append({"label": calls[central]["reason"].get("statement", ""), "members": [calls[i] for i in ordered]})
    return out
