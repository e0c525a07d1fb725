"""Turn linear decision scores into confidences by temperature scaling.

Confidence of topic k for a text with decision scores s is the softmax
p_k = exp(s_k / T) / Σ_j exp(s_j / T). The temperature T is chosen to minimise the
negative log-likelihood of out-of-fold scores (Guo et al., "On Calibration of Modern
Neural Networks", ICML 2017, §4.2), so that, e.g., suggestions given 0.7 confidence
are right about 70 % of the time on data like the training data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar

DEFAULT_TEMPERATURE = 0.2
_MIN_ROWS_TO_FIT = 20
# Bounds keep tiny or duplicated training sets from giving 0/1 confidences.
_MIN_TEMPERATURE = 0.03
_MAX_TEMPERATURE = 5.0


def softmax(scores: NDArray[np.float64], temperature: float) -> NDArray[np.float64]:
    """Row-wise softmax of ``scores / temperature``."""
    z: NDArray[np.float64] = np.asarray(scores, dtype=np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def fit_temperature(
    score_blocks: Sequence[NDArray[np.float64]], true_columns: Sequence[NDArray[np.int64]]
) -> float:
    """Return T minimising mean −log softmax(s/T)[true] over all blocks' rows.

    Each block holds one fold's out-of-fold scores (rows × that fold's classes) and the
    true class column per row (−1 when the true class was absent from that fold's
    training data; such rows are skipped). With fewer than 20 usable rows the
    default temperature is returned; T is kept within [0.03, 5].
    """
    usable = [(s[c >= 0], c[c >= 0]) for s, c in zip(score_blocks, true_columns, strict=True)]
    if sum(len(c) for _, c in usable) < _MIN_ROWS_TO_FIT:
        return DEFAULT_TEMPERATURE

    def loss(log_t: float) -> float:
        t = float(np.exp(log_t))
        total = 0.0
        count = 0
        for scores, cols in usable:
            z = scores / t
            top = z.max(axis=1)
            log_norm = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
            total += float((log_norm - z[np.arange(len(cols)), cols]).sum())
            count += len(cols)
        return total / count

    result = minimize_scalar(
        loss, bounds=(np.log(_MIN_TEMPERATURE), np.log(_MAX_TEMPERATURE)), method="bounded"
    )
    return float(np.exp(result.x))
