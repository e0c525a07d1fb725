"""Topic suggestion model: a calibrated linear classifier plus keyword cold start.

Confidence of topic k for a text:

    p_k = (1 − w) · softmax((s + λ·n) / T)_k + w · m_k / Σ_j m_j

where s are the linear SVM's decision scores over the trained topics (0 for
keyword-only topics, which the classifier never saw), n_k the largest cosine
similarity of the text to any remembered text of topic k, less ``MEMORY_FLOOR`` and
rescaled (0 below it; the **memory**: every
contact learnt with :meth:`TopicModel.learn` since the model was trained — the
wrap-ups where an agent chose or corrected a topic —, the newest ``MEMORY_PER_TOPIC``
per topic; λ = ``MEMORY_WEIGHT``; a freshly trained model has an empty memory, the
contacts being in the SVM), T the fitted temperature
(:mod:`calibration`), m_k the number of distinct keywords of topic k found in the
text (:mod:`keywords`) and w = 0.6 when any keyword matched (so a keyword match outranks
any single classifier topic), else 0 (w = 1 when
there is no classifier at all). Without a classifier and without a keyword match
there is no suggestion. With a single labelled topic, its model part is 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from distans.core.errors import InvalidInput
from distans.core.topics.calibration import (
    DEFAULT_TEMPERATURE,
    fit_temperature,
    softmax,
)
from distans.core.topics.features import BACKGROUND_MAX_TEXTS, build_vectoriser
from distans.core.topics.keywords import KeywordMatcher
from distans.core.topics.metrics import stratified_folds

KEYWORD_WEIGHT = 0.6
CALIBRATION_FOLDS = 3
SVM_C = 1.0
MEMORY_WEIGHT = 2.0  # measured in bench/topics.py (online learning curve)
MEMORY_FLOOR = 0.2  # similarities below count 0; above, rescaled to (0, 1]
MEMORY_PER_TOPIC = 50
MEMORY_MAX_ROWS = 600  # all topics together: the similarity costs ∝ rows (bench/topics.py)

Suggestion = tuple[str, float]


@dataclass
class TopicModel:
    """A trained suggester; build it with :func:`train_model` or :func:`load_model`."""

    topics: tuple[str, ...]
    vectoriser: Any | None
    classifier: Any | None
    classifier_topics: tuple[str, ...]
    temperature: float
    keywords_by_topic: dict[str, list[str]]
    trained_at: datetime
    metrics: dict[str, float] = field(default_factory=dict)
    # Training rows per topic: labelled contacts, and the extra texts (names, articles…).
    learned_by_topic: dict[str, int] = field(default_factory=dict)
    extra_by_topic: dict[str, int] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)  # topic -> sparse rows, oldest first

    def __post_init__(self) -> None:
        self._matcher = KeywordMatcher(self.keywords_by_topic, self.topics)
        self._weights: NDArray[np.float32] | None = None
        column = {t: i for i, t in enumerate(self.topics)}
        self._classifier_columns = np.array(
            [column[t] for t in self.classifier_topics], dtype=np.int64
        )
        self._stacked: tuple[Any, NDArray[np.int64]] | None = None
        # topics of the remembered rows, oldest first (after loading: topic by topic)
        self._order: list[str] = [
            t for t, rows in self.memory.items() for _ in range(rows.shape[0])
        ]

    def learn(self, texts: Sequence[str], topics: Sequence[str]) -> int:
        """Remember contacts whose topic an agent chose or corrected at wrap-up.

        Takes effect at once through the memory part of the score (no retraining);
        texts of topics the classifier does not know are ignored. Returns how many
        were learnt; ``learned_by_topic`` counts them.
        """
        if len(texts) != len(topics):
            raise InvalidInput("texts and topics must have the same length.")
        known = set(self.classifier_topics)
        rows = [(t, y) for t, y in zip(texts, topics, strict=True) if y in known and t.strip()]
        if not rows or self.vectoriser is None:
            return 0
        features = self.vectoriser.transform([t for t, _ in rows])
        _remember(self.memory, features, [y for _, y in rows])
        self._order.extend(y for _, y in rows)
        _trim_memory(self.memory, self._order)
        for _, topic in rows:
            self.learned_by_topic[topic] = self.learned_by_topic.get(topic, 0) + 1
        self._stacked = None
        return len(rows)

    def confidences(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Return a (texts × topics) array of confidences; rows sum to 1 or to 0."""
        n = len(texts)
        result = np.zeros((n, len(self.topics)))
        if self.classifier_topics and n:
            result[:, self._classifier_columns] = self._classifier_probabilities(texts)
        matches = self._matcher.counts(texts)
        matched = matches.sum(axis=1)
        rows = matched > 0
        if rows.any():
            keyword_weight = KEYWORD_WEIGHT if self.classifier_topics else 1.0
            result[rows] *= 1.0 - keyword_weight
            result[rows] += keyword_weight * matches[rows] / matched[rows, None]
        return result

    def _classifier_probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        if (
            self.classifier is None or self.vectoriser is None
        ):  # a single labelled topic: nothing to tell apart
            return np.ones((len(texts), len(self.classifier_topics)))
        if self._weights is None:
            self._weights = _weights(self.classifier)
        if self._stacked is None:
            self._stacked = _stack_memory(self.memory, self.classifier_topics)
        features = self.vectoriser.transform(texts)
        scores = _decision_scores(self.classifier, features, self._weights)
        scores += MEMORY_WEIGHT * _memory_scores(features, *self._stacked, len(scores[0]))
        return softmax(scores, self.temperature)

    def suggest(self, texts: Sequence[str], top: int = 3) -> list[list[Suggestion]]:
        """Return, per text, up to ``top`` (topic, confidence) pairs, best first.

        Topics with zero confidence are left out.
        """
        if top < 1:
            raise InvalidInput("top must be at least 1.")
        conf = self.confidences(texts)
        k = min(top, len(self.topics))
        if k == 0:
            return [[] for _ in texts]
        if k < conf.shape[1]:
            best = np.argpartition(-conf, k - 1, axis=1)[:, :k]
        else:
            best = np.tile(np.arange(conf.shape[1]), (len(texts), 1))
        picked = np.take_along_axis(conf, best, axis=1)
        order = np.argsort(-picked, axis=1, kind="stable")
        best = np.take_along_axis(best, order, axis=1)
        picked = np.take_along_axis(picked, order, axis=1)
        names = np.array(self.topics, dtype=object)[best].tolist()
        rounded = np.round(picked, 4).tolist()
        return [
            [(t, c) for t, c in zip(row_names, row_conf, strict=True) if c > 0]
            for row_names, row_conf in zip(names, rounded, strict=True)
        ]


def _weights(classifier: Any) -> NDArray[np.float32]:
    """The classifier's coefficients as a C-ordered float32 (features × classes) array."""
    return np.ascontiguousarray(classifier.coef_.T, dtype=np.float32)


def _decision_scores(
    classifier: Any, features: Any, weights: NDArray[np.float32] | None = None
) -> NDArray[np.float64]:
    """Linear scores X·Wᵀ + b (as ``decision_function``, with W in float32 like X)."""
    if weights is None:
        weights = _weights(classifier)
    scores: NDArray[np.float64] = np.asarray(features @ weights, dtype=np.float64)
    scores += classifier.intercept_
    if scores.shape[1] == 1:  # two classes: sklearn returns the score of the second
        scores = np.column_stack([-scores[:, 0], scores[:, 0]]) / 2.0
    return scores


def _remember(memory: dict[str, Any], features: Any, topics: Sequence[str]) -> None:
    """Append feature rows to each topic's memory, keeping the newest MEMORY_PER_TOPIC."""
    import scipy.sparse as sp

    rows_by_topic: dict[str, list[int]] = {}
    for i, topic in enumerate(topics):
        rows_by_topic.setdefault(topic, []).append(i)
    for topic, rows in rows_by_topic.items():
        block = features[rows]
        old = memory.get(topic)
        if old is not None:
            block = sp.vstack([old, block], format="csr")
        memory[topic] = block[-MEMORY_PER_TOPIC:]


def _trim_memory(memory: dict[str, Any], order: list[str]) -> None:
    """Drop the oldest remembered rows until at most MEMORY_MAX_ROWS remain."""
    total = sum(rows.shape[0] for rows in memory.values())
    counts = {t: rows.shape[0] for t, rows in memory.items()}
    # rows already cut by MEMORY_PER_TOPIC are no longer in ``order``'s tail counts
    seen: dict[str, int] = {}
    kept: list[str] = []
    for topic in reversed(order):
        if seen.get(topic, 0) < counts.get(topic, 0):
            seen[topic] = seen.get(topic, 0) + 1
            kept.append(topic)
    kept.reverse()
    drop: dict[str, int] = {}
    excess = total - MEMORY_MAX_ROWS
    for topic in kept[: max(0, excess)]:
        drop[topic] = drop.get(topic, 0) + 1
    for topic, n in drop.items():
        memory[topic] = memory[topic][n:]
        if memory[topic].shape[0] == 0:
            del memory[topic]
    order[:] = kept[max(0, excess) :]


def _stack_memory(memory: dict[str, Any], classes: Sequence[str]) -> tuple[Any, NDArray[np.int64]]:
    """All remembered rows in class order, and the first row of each class."""
    import scipy.sparse as sp

    blocks = [memory[c] for c in classes if c in memory and memory[c].shape[0]]
    starts: list[int] = []
    at = 0
    for c in classes:
        starts.append(at)
        if c in memory:
            at += memory[c].shape[0]
    if not blocks:
        return None, np.array(starts, dtype=np.int64)
    stacked = sp.vstack(blocks, format="csr").T.tocsc()
    return stacked, np.array(starts, dtype=np.int64)


def _memory_scores(
    features: Any, stacked: Any, starts: NDArray[np.int64], n_classes: int
) -> NDArray[np.float64]:
    """Per text and class, the largest cosine similarity to a remembered row, less the
    floor and rescaled: (max − MEMORY_FLOOR)⁺ / (1 − MEMORY_FLOOR); 0 without memory."""
    result = np.zeros((features.shape[0], n_classes))
    if stacked is None:
        return result
    similarity = np.asarray((features @ stacked).toarray(), dtype=np.float64)
    total = similarity.shape[1]
    for k in range(n_classes):
        end = starts[k + 1] if k + 1 < n_classes else total
        if end > starts[k]:
            result[:, k] = similarity[:, starts[k] : end].max(axis=1)
    return np.maximum(result - MEMORY_FLOOR, 0.0) / (1.0 - MEMORY_FLOOR)


def _fit_classifier(
    texts: Sequence[str], topics: Sequence[str], background: Sequence[str] = ()
) -> tuple[Any, Any, Any]:
    """Fit features (idf also on ``background``) and the SVM; also return the rows."""
    from sklearn.svm import LinearSVC

    vectoriser = build_vectoriser()
    features = (
        vectoriser.fit_transform(list(texts), background)
        if background
        else vectoriser.fit_transform(list(texts))
    )
    classifier = LinearSVC(C=SVM_C).fit(features, np.asarray(topics))
    return vectoriser, classifier, features


def _calibrate(
    texts: Sequence[str],
    topics: Sequence[str],
    extra_texts: Sequence[str] = (),
    extra_topics: Sequence[str] = (),
    background: Sequence[str] = (),
) -> tuple[float, dict[str, float]]:
    """Fit the softmax temperature on out-of-fold scores (see :mod:`calibration`).

    Also returns the out-of-fold accuracy and top-3 accuracy of those fold models
    (texts whose topic a fold's training part lacked count as misses), a cheap,
    slightly pessimistic estimate of the trained model's quality.
    """
    blocks: list[NDArray[np.float64]] = []
    columns: list[NDArray[np.int64]] = []
    hits = top3_hits = evaluated = 0
    all_rows = np.arange(len(texts))
    for test in stratified_folds(topics, CALIBRATION_FOLDS, seed=0):
        train = np.setdiff1d(all_rows, test)
        train_topics = [topics[i] for i in train] + list(extra_topics)
        if len(test) == 0 or len(set(train_topics)) < 2:
            continue
        vectoriser, classifier, _ = _fit_classifier(
            [texts[i] for i in train] + list(extra_texts), train_topics, background
        )
        scores = _decision_scores(classifier, vectoriser.transform([texts[i] for i in test]))
        position = {t: i for i, t in enumerate(classifier.classes_)}
        truth = np.array([position.get(topics[i], -1) for i in test], dtype=np.int64)
        blocks.append(scores)
        columns.append(truth)
        top3 = np.argsort(-scores, axis=1)[:, :3]
        hits += int((top3[:, 0] == truth).sum())
        top3_hits += int((top3 == truth[:, None]).any(axis=1).sum())
        evaluated += len(test)
    if not blocks:
        return DEFAULT_TEMPERATURE, {}
    metrics = {
        "cv_folds": float(CALIBRATION_FOLDS),
        "cv_n": float(evaluated),
        "cv_accuracy": round(hits / evaluated, 4),
        "cv_top3_accuracy": round(top3_hits / evaluated, 4),
    }
    return fit_temperature(blocks, columns), metrics


def train_model(
    texts: Sequence[str],
    topics: Sequence[str],
    keywords_by_topic: Mapping[str, Sequence[str]] | None = None,
    *,
    extra_texts_by_topic: Mapping[str, Sequence[str]] | None = None,
    background_texts: Sequence[str] = (),
    calibrate: bool = True,
    trained_at: datetime | None = None,
) -> TopicModel:
    """Train a suggester from labelled texts and optional keywords per topic.

    ``extra_texts_by_topic`` holds what a center knows of a topic besides its
    contacts — its name and description, the knowledge articles filed under it, its
    canned answers —; each text is one more training row of that topic (so a topic
    with only a name or an article is already suggested). They are not used for the
    ``cv_*`` quality estimate's test folds, only in its training parts.

    ``background_texts`` are unlabelled texts of the same center (contacts closed
    without a topic, canned answers, articles not filed under a topic; at most
    ``BACKGROUND_MAX_TEXTS``, the first ones kept): they only sharpen the inverse
    document frequencies of the character n-grams, so n-grams every question shares
    ("hur kan jag") weigh less than with the few labelled texts alone (bench/topics.py:
    +0.01 top-1 at 5 examples per topic).

    Topics that only have keywords are still suggested when their keywords occur.
    ``calibrate=False`` skips the 3-fold temperature fit (faster, default T, and no
    ``cv_*`` entries in ``metrics``).
    """
    if len(texts) != len(topics):
        raise InvalidInput("texts and topics must have the same length.")
    keywords = {t: [k for k in ks if k.strip()] for t, ks in (keywords_by_topic or {}).items()}
    extras = [
        (text, topic)
        for topic, items in (extra_texts_by_topic or {}).items()
        for text in items
        if text.strip()
    ]
    learned: dict[str, int] = {}
    for topic in topics:
        learned[topic] = learned.get(topic, 0) + 1
    extra_count: dict[str, int] = {}
    for _, topic in extras:
        extra_count[topic] = extra_count.get(topic, 0) + 1
    contact_texts, contact_topics = list(texts), list(topics)
    texts = contact_texts + [t for t, _ in extras]
    topics = contact_topics + [y for _, y in extras]
    labelled = sorted(set(topics))
    if not labelled and not any(keywords.values()):
        raise InvalidInput("Nothing to learn from: give labelled texts or keywords per topic.")
    vectoriser = classifier = None
    temperature = DEFAULT_TEMPERATURE
    metrics: dict[str, float] = {"n_train": float(len(contact_texts))}
    if extras:
        metrics["n_extra"] = float(len(extras))
    memory: dict[str, Any] = {}
    background = [t for t in background_texts if t.strip()][:BACKGROUND_MAX_TEXTS]
    if background:
        metrics["n_background"] = float(len(background))
    if len(labelled) >= 2:
        vectoriser, classifier, _ = _fit_classifier(texts, topics, background)
        labelled = [str(t) for t in classifier.classes_]
        if calibrate:
            temperature, cv_metrics = _calibrate(
                contact_texts,
                contact_topics,
                [t for t, _ in extras],
                [y for _, y in extras],
                background,
            )
            metrics.update(cv_metrics)
    all_topics = tuple(labelled + sorted(set(keywords) - set(labelled)))
    return TopicModel(
        topics=all_topics,
        vectoriser=vectoriser,
        classifier=classifier,
        classifier_topics=tuple(labelled),
        temperature=temperature,
        keywords_by_topic={t: list(ks) for t, ks in keywords.items()},
        trained_at=trained_at or datetime.now(UTC),
        metrics=metrics,
        learned_by_topic=learned,
        extra_by_topic=extra_count,
        memory=memory,
    )
