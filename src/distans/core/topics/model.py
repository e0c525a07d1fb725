"""Topic suggestion model: a calibrated linear classifier plus keyword cold start.

Confidence of topic k for a text:

    p_k = (1 − w) · softmax(s / T)_k + w · m_k / Σ_j m_j

where s are the linear SVM's decision scores over the trained topics (0 for
keyword-only topics, which the classifier never saw), T the fitted temperature
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
from distans.core.topics.features import build_vectoriser
from distans.core.topics.keywords import KeywordMatcher
from distans.core.topics.metrics import stratified_folds

KEYWORD_WEIGHT = 0.6
CALIBRATION_FOLDS = 3
SVM_C = 1.0

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

    def __post_init__(self) -> None:
        self._matcher = KeywordMatcher(self.keywords_by_topic, self.topics)
        self._weights: NDArray[np.float32] | None = None
        column = {t: i for i, t in enumerate(self.topics)}
        self._classifier_columns = np.array(
            [column[t] for t in self.classifier_topics], dtype=np.int64
        )

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
        features = self.vectoriser.transform(texts)
        scores = _decision_scores(self.classifier, features, self._weights)
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


def _fit_classifier(texts: Sequence[str], topics: Sequence[str]) -> tuple[Any, Any]:
    from sklearn.svm import LinearSVC

    vectoriser = build_vectoriser()
    features = vectoriser.fit_transform(texts)
    classifier = LinearSVC(C=SVM_C).fit(features, np.asarray(topics))
    return vectoriser, classifier


def _calibrate(texts: Sequence[str], topics: Sequence[str]) -> tuple[float, dict[str, float]]:
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
        train_topics = [topics[i] for i in train]
        if len(test) == 0 or len(set(train_topics)) < 2:
            continue
        vectoriser, classifier = _fit_classifier([texts[i] for i in train], train_topics)
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
    calibrate: bool = True,
    trained_at: datetime | None = None,
) -> TopicModel:
    """Train a suggester from labelled texts and optional keywords per topic.

    Topics that only have keywords are still suggested when their keywords occur.
    ``calibrate=False`` skips the 3-fold temperature fit (faster, default T, and no
    ``cv_*`` entries in ``metrics``).
    """
    if len(texts) != len(topics):
        raise InvalidInput("texts and topics must have the same length.")
    keywords = {t: [k for k in ks if k.strip()] for t, ks in (keywords_by_topic or {}).items()}
    labelled = sorted(set(topics))
    if not labelled and not any(keywords.values()):
        raise InvalidInput("Nothing to learn from: give labelled texts or keywords per topic.")
    vectoriser = classifier = None
    temperature = DEFAULT_TEMPERATURE
    metrics: dict[str, float] = {"n_train": float(len(texts))}
    if len(labelled) >= 2:
        vectoriser, classifier = _fit_classifier(texts, topics)
        labelled = [str(t) for t in classifier.classes_]
        if calibrate:
            temperature, cv_metrics = _calibrate(texts, topics)
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
    )
