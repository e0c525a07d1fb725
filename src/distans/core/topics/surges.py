"""Surge detection: per-topic arrivals against a weekday × hour seasonal baseline.

For a series of counts x_t in equal bins (an hour or a day) with a weekly season of
P bins (168 or 7):

* **Expected count** μ_t: the winsorised mean of the same slot in the past N weeks
  (x_{t−P}, …, x_{t−NP}; the largest value clipped to the second largest, so one past
  surge does not lift the baseline), plus half an event spread over those weeks,
  μ_t = (Σ winsorised + 0.5) / n, so that a slot never seen busy is not expected to
  be exactly empty. As that mean is itself uncertain (its variance is about μ/n),
  μ_t is raised by ``baseline_margin`` standard errors, √(μ/n); without that margin a
  busy topic's estimation error alone sets off the CUSUM. Bins with fewer than ``min_history_weeks`` past weeks are not
  tested.
* **Poisson tail test** (a sudden spike): alarm when P(X ≥ x_t | μ_t) < α and
  x_t ≥ ``min_count``. Score: −log10 of that probability.
* **Poisson CUSUM** (a sustained rise; Lucas, "Counted data CUSUM's",
  Technometrics 27(2), 1985), tuned to detect μ → rμ:
  S_t = max(0, S_{t−1} + x_t·ln r − (r − 1)·μ_t), the log-likelihood ratio of
  rμ_t against μ_t accumulated since S was last 0; alarm when S_t ≥ h and at least
  ``min_count`` events arrived since then. The surge start, for either test, is
  the first bin of the current CUSUM run (the bin after S was last 0).

One alert per episode: after an alarm the topic stays "in surge" until S returns to
0; an alert is ``ongoing`` when its episode has not ended by the last bin. The
reported ``score`` is observed ÷ expected over [start, detected_at].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import poisson

from distans.core.errors import InvalidInput

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class SurgeSettings:
    """Parameters of :func:`detect_surges` (defaults measured in bench/topics.py)."""

    baseline_weeks: int = 8
    min_history_weeks: int = 4
    tail_probability: float = 1e-5
    cusum_ratio: float = 1.5
    cusum_threshold: float = 6.0
    min_count: int = 5
    baseline_margin: float = 1.0


@dataclass(frozen=True)
class SurgeAlert:
    """A topic running above expectation from ``start`` (detected at ``detected_at``)."""

    topic: str
    start: datetime
    detected_at: datetime
    score: float
    observed: int
    expected: float
    method: str  # "tail" or "cusum"
    ongoing: bool


def expected_counts(
    counts: NDArray[np.float64], period: int, settings: SurgeSettings
) -> NDArray[np.float64]:
    """Return μ_t per bin (NaN where history is too short); see the module docstring."""
    n_bins = len(counts)
    history = np.full((settings.baseline_weeks, n_bins), np.nan)
    for k in range(1, settings.baseline_weeks + 1):
        if k * period < n_bins:
            history[k - 1, k * period :] = counts[: n_bins - k * period]
    seen = (~np.isnan(history)).sum(axis=0)
    ordered = np.sort(np.where(np.isnan(history), -np.inf, history), axis=0)
    largest = ordered[-1]
    second = ordered[-2] if settings.baseline_weeks >= 2 else largest
    total = np.nansum(history, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        winsorised = np.where(seen >= 3, total - largest + second, total)
        mu = (winsorised + 0.5) / seen
        mu = mu + settings.baseline_margin * np.sqrt(mu / seen)
    return np.where(seen >= settings.min_history_weeks, mu, np.nan)


def _detect_one(
    topic: str,
    counts: NDArray[np.float64],
    mu: NDArray[np.float64],
    bin_start: datetime,
    bin_size: timedelta,
    settings: SurgeSettings,
) -> list[SurgeAlert]:
    log_r = float(np.log(settings.cusum_ratio))
    drift = settings.cusum_ratio - 1.0
    testable = ~np.isnan(mu)
    with np.errstate(invalid="ignore"):
        tail = np.where(testable, poisson.sf(counts - 1, np.where(testable, mu, 1.0)), 1.0)
    spikes = (tail < settings.tail_probability) & (counts >= settings.min_count)
    alerts: list[SurgeAlert] = []
    s = 0.0
    run_start = 0  # first bin of the current CUSUM run (after S was last 0)
    in_surge = False
    for t in range(len(counts)):
        if not testable[t]:
            continue
        previous = s
        s = max(0.0, s + counts[t] * log_r - drift * mu[t])
        if previous == 0.0:
            run_start = t
        if in_surge:
            in_surge = s > 0.0 or bool(spikes[t])
            continue
        window = slice(run_start, t + 1)
        observed = float(counts[window].sum())
        cusum_alarm = s >= settings.cusum_threshold and observed >= settings.min_count
        if not (cusum_alarm or spikes[t]):
            continue
        start = run_start  # where the current run above expectation began
        observed = float(counts[start : t + 1].sum())
        expected = float(mu[start : t + 1].sum())
        alerts.append(
            SurgeAlert(
                topic=topic,
                start=bin_start + start * bin_size,
                detected_at=bin_start + t * bin_size,
                score=round(observed / expected, 3) if expected > 0 else float("inf"),
                observed=int(observed),
                expected=round(expected, 3),
                method="cusum" if cusum_alarm else "tail",
                ongoing=False,
            )
        )
        in_surge = True
        if s == 0.0:  # a spike alone, no CUSUM run to wait for
            s = settings.cusum_threshold
    if in_surge:
        alerts[-1] = replace(alerts[-1], ongoing=True)
    return alerts


def detect_surges(
    counts: Mapping[str, ArrayLike],
    *,
    first_bin_at: datetime,
    bin_size: timedelta = HOUR,
    now: datetime | None = None,
    settings: SurgeSettings | None = None,
) -> list[SurgeAlert]:
    """Return surge alerts for every topic, ordered by detection time.

    ``counts[topic]`` holds arrivals per bin, bin i starting at
    ``first_bin_at + i·bin_size`` (local wall-clock time, so weekday and hour line
    up); ``bin_size`` must divide a week. With ``now``, bins starting at or after
    ``now`` are ignored (the current, partial bin is included).
    """
    settings = settings or SurgeSettings()
    if first_bin_at.tzinfo is None:
        raise InvalidInput("first_bin_at must be timezone-aware.")
    if bin_size <= timedelta(0) or WEEK % bin_size != timedelta(0):
        raise InvalidInput("bin_size must divide a week (e.g. one hour or one day).")
    period = WEEK // bin_size
    alerts: list[SurgeAlert] = []
    for topic, series in counts.items():
        values = np.asarray(series, dtype=np.float64)
        if values.ndim != 1 or (values < 0).any() or np.isnan(values).any():
            raise InvalidInput(f"Counts for topic {topic!r} must be non-negative numbers.")
        if now is not None:
            bins_before_now = -((first_bin_at - now) // bin_size)
            values = values[: max(0, bins_before_now)]
        mu = expected_counts(values, period, settings)
        alerts.extend(_detect_one(topic, values, mu, first_bin_at, bin_size, settings))
    return sorted(alerts, key=lambda a: (a.detected_at, a.topic))
