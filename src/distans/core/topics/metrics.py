"""Quality measures for topic suggestions and a fair cross-validation split.

* accuracy: share of texts whose first suggestion is the true topic;
* top-k accuracy: share whose true topic is among the first k suggestions;
* macro F1: the unweighted mean over topics of F1 = 2PR/(P+R) of the first
  suggestion (scikit-learn's ``f1_score(average="macro")`` definition, over the
  union of true and predicted topics).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class SuggestionQuality:
    """Accuracy measures over ``n`` texts (fractions in [0, 1])."""

    n: int
    accuracy: float
    top3_accuracy: float
    macro_f1: float


def measure_quality(
    true_topics: Sequence[str], suggested: Sequence[Sequence[str]], top: int = 3
) -> SuggestionQuality:
    """Compare ranked suggestions (best first) with the true topics."""
    n = len(true_topics)
    if n == 0:
        return SuggestionQuality(0, 0.0, 0.0, 0.0)
    firsts = [s[0] if s else "" for s in suggested]
    hits = sum(t == f for t, f in zip(true_topics, firsts, strict=True))
    top_hits = sum(t in s[:top] for t, s in zip(true_topics, suggested, strict=True))
    return SuggestionQuality(n, hits / n, top_hits / n, macro_f1(true_topics, firsts))


def macro_f1(true_topics: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean of per-topic F1 over every topic seen as truth or prediction."""
    tp: Counter[str] = Counter()
    for t, p in zip(true_topics, predicted, strict=True):
        if t == p:
            tp[t] += 1
    true_count = Counter(true_topics)
    pred_count = Counter(predicted)
    labels = set(true_count) | set(pred_count)
    scores = []
    for label in labels:
        denominator = true_count[label] + pred_count[label]
        scores.append(2 * tp[label] / denominator if denominator else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def stratified_folds(topics: Sequence[str], n_folds: int, seed: int = 0) -> list[NDArray[np.int64]]:
    """Split row indices into ``n_folds`` test folds, stratified by topic.

    Each topic's rows are shuffled and dealt round-robin over the folds, starting at a
    random fold. A topic with a single row is never put in a test fold (it could not
    be learnt from the other folds); it stays in training throughout.
    """
    rng = np.random.default_rng(seed)
    by_topic: dict[str, list[int]] = {}
    for i, topic in enumerate(topics):
        by_topic.setdefault(topic, []).append(i)
    folds: list[list[int]] = [[] for _ in range(n_folds)]
    for rows in by_topic.values():
        if len(rows) < 2:
            continue
        order = rng.permutation(len(rows))
        offset = int(rng.integers(n_folds))
        for k, j in enumerate(order):
            folds[(offset + k) % n_folds].append(rows[int(j)])
    return [np.array(sorted(f), dtype=np.int64) for f in folds]
