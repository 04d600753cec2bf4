"""Average-linkage agglomerative clustering of normalised vectors, in numpy.

Small and exact: the gap queue clusters at most a few thousand distinct questions, so a
dense similarity matrix fits in memory and each merge is one vectorised row update.
"""

from __future__ import annotations

import numpy as np


def agglomerate(vectors: np.ndarray, threshold: float, weights: np.ndarray | None = None,
                related: np.ndarray | None = None) -> list[list[int]]:
    """Groups of row indices whose average pairwise cosine similarity stays ≥ ``threshold``.

    ``vectors`` must be L2-normalised. ``weights`` (e.g. how often a question was asked)
    weigh each row in the cluster averages. ``related`` (a boolean matrix) marks the pairs
    allowed to be alike at all; the others count as unrelated (similarity 0), which keeps
    a group from absorbing them. Groups come largest first.
    """
    count = len(vectors)
    if count == 0:
        return []
    similarity = (vectors @ vectors.T).astype(np.float64)
    if related is not None:
        similarity[~related] = 0.0
    np.fill_diagonal(similarity, -np.inf)
    sizes = np.ones(count) if weights is None else weights.astype(np.float64).copy()
    members: list[list[int]] = [[i] for i in range(count)]
    while True:
        i, j = divmod(int(np.argmax(similarity)), count)
        if similarity[i, j] < threshold:
            break
        # Lance–Williams update for average linkage: the merged cluster's similarity to
        # every other cluster is the size-weighted mean of its two parts' similarities.
        merged = (similarity[i] * sizes[i] + similarity[j] * sizes[j]) / (sizes[i] + sizes[j])
        similarity[i, :] = merged
        similarity[:, i] = merged
        similarity[i, i] = -np.inf
        similarity[j, :] = -np.inf
        similarity[:, j] = -np.inf
        sizes[i] += sizes[j]
        members[i].extend(members[j])
        members[j] = []
    groups = [sorted(group) for group in members if group]
    return sorted(groups, key=lambda group: -sum(sizes[g] if weights is None else weights[g]
                                                  for g in group))
