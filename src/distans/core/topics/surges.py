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

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import nbinom, poisson

from distans.core.errors import InvalidInput

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
MIN_DISPERSION_CONTACTS = 200
DISPERSION_LAG_DAYS = 7
MIN_LEVEL_CONTACTS = 100
NEW_TOPIC_GROWTH_DAYS = 14
DISPERSION_TRIM = 0.1
CLOSED_DAY_MEDIAN = 20
MAX_DISPERSION = 0.25


@dataclass(frozen=True)
class SurgeSettings:
    """Parameters of :func:`detect_surges` (defaults measured in bench/topics.py)."""

    baseline_weeks: int = 8
    min_history_weeks: int = 4
    tail_probability: float = 1e-9
    cusum_ratio: float = 1.4
    cusum_threshold: float = 8.0
    min_count: int = 5
    baseline_margin: float = 1.0
    # "nb-day": negative binomial, the CUSUM step being the likelihood ratio of the day
    # so far (a day's hours share its level); "nb": negative binomial per bin;
    # "poisson": the detector before issue 22 (dispersion 0, per bin).
    model: str = "nb-day"
    default_dispersion: float = 0.1
    min_dispersion_days: int = 14
    # A topic with at most this many contacts in its baseline weeks is "new": it is
    # alerted (method "new") when a local day's count reaches ``new_topic_count``.
    new_topic_history: int = 0
    new_topic_count: int = 10
    closed_days_missing: bool = True
    # Follow the topic's level: μ is scaled by observed ÷ expected over the previous
    # ``level_days`` complete days (0: off), within [1/max_level_ratio, max_level_ratio].
    level_days: int = 0  # measured: following the level raised false alerts (docs/dev/topics.md)
    max_level_ratio: float = 1.5


@dataclass(frozen=True)
class SurgeAlert:
    """A topic running above expectation from ``start`` (detected at ``detected_at``)."""

    topic: str
    start: datetime
    detected_at: datetime
    score: float
    observed: int
    expected: float
    method: str  # "tail", "cusum" or "new"
    ongoing: bool
    ended_at: datetime | None = None  # start of the bin where the episode ended


def expected_counts(
    counts: NDArray[np.float64],
    period: int,
    settings: SurgeSettings,
    closed: NDArray[np.bool_] | None = None,
) -> NDArray[np.float64]:
    """Return μ_t per bin (NaN where history is too short or the bin's day is closed)."""
    n_bins = len(counts)
    source = counts.astype(np.float64)
    if closed is not None:
        source = np.where(closed[:n_bins], np.nan, source)
    history = np.full((settings.baseline_weeks, n_bins), np.nan)
    for k in range(1, settings.baseline_weeks + 1):
        if k * period < n_bins:
            history[k - 1, k * period :] = source[: n_bins - k * period]
    seen = (~np.isnan(history)).sum(axis=0)
    ordered = np.sort(np.where(np.isnan(history), -np.inf, history), axis=0)
    largest = ordered[-1]
    second = ordered[-2] if settings.baseline_weeks >= 2 else largest
    total = np.nansum(history, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        winsorised = np.where(seen >= 3, total - largest + second, total)
        mu = (winsorised + 0.5) / seen
        mu = mu + settings.baseline_margin * np.sqrt(mu / seen)
    mu = np.where(seen >= settings.min_history_weeks, mu, np.nan)
    if closed is not None:
        mu = np.where(closed[:n_bins], np.nan, mu)
    return mu


def dispersion_by_bin(
    counts: NDArray[np.float64], mu: NDArray[np.float64], per_day: int, settings: SurgeSettings
) -> NDArray[np.float64]:
    """Negative binomial dispersion α per bin (Var X = μ + α μ²), from earlier days only.

    Real arrivals vary from day to day more than Poisson (a busy day is busy in every
    hour), so α is estimated from whole local days: with D a day's count and M its
    expected count, each day gives a_d = [(D − M)² − D] / M², and α̂ is the M²-weighted
    mean of a_d (the moment estimator of NB2; Cameron & Trivedi, *Regression Analysis
    of Count Data*, 2013, §3.2) over the tested days that ended at least
    ``DISPERSION_LAG_DAYS`` before the bin's day, the largest ``DISPERSION_TRIM`` share
    of a_d left out — so that a surge going on does not teach the detector that such
    days are ordinary. ``default_dispersion`` until ``min_dispersion_days`` days with
    ``MIN_DISPERSION_CONTACTS`` contacts are known; kept within [0, ``MAX_DISPERSION``].
    The day's α then applies to each of its bins, which is what a day-level
    multiplicative factor does to an hour.
    """
    if settings.model == "poisson":
        return np.zeros(len(counts))
    n_days = -(-len(counts) // per_day)
    padded_mu = np.full(n_days * per_day, np.nan)
    padded_mu[: len(mu)] = mu
    padded_x = np.zeros(n_days * per_day)
    padded_x[: len(counts)] = counts
    day_mu = padded_mu.reshape(n_days, per_day)
    complete = ~np.isnan(day_mu).any(axis=1)
    if len(counts) % per_day:
        complete[-1] = False
    m = np.where(complete, np.nansum(day_mu, axis=1), 0.0)
    d = padded_x.reshape(n_days, per_day).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(complete & (m > 0), ((d - m) ** 2 - d) / m**2, np.nan)
    alpha = np.full(n_days, settings.default_dispersion)
    for day in range(n_days):
        last = day - DISPERSION_LAG_DAYS
        if last <= 0:
            continue
        known = ~np.isnan(a[:last])
        if known.sum() < settings.min_dispersion_days or d[:last][known].sum() < (
            MIN_DISPERSION_CONTACTS
        ):
            continue
        values, weights = a[:last][known], m[:last][known] ** 2
        keep = values <= np.quantile(values, 1.0 - DISPERSION_TRIM)
        estimate = float(np.average(values[keep], weights=weights[keep]))
        alpha[day] = min(max(estimate, 0.0), MAX_DISPERSION)
    return np.repeat(alpha, per_day)[: len(counts)]


def level_ratio_by_bin(
    counts: NDArray[np.float64], mu: NDArray[np.float64], per_day: int, settings: SurgeSettings
) -> NDArray[np.float64]:
    """Per bin, observed ÷ expected over the ``level_days`` complete days before its day.

    The weekday × hour profile of the past weeks lags a topic whose level drifts
    (a season, a campaign that became the normal): multiplying μ by this ratio keeps
    the baseline at the recent level, while today's own counts never lift it, so a
    surge starting today is measured against yesterday's level. Days with fewer than
    ``MIN_LEVEL_CONTACTS`` expected contacts over the window keep ratio 1 (too noisy).
    """
    result = np.ones(len(counts))
    if settings.level_days <= 0 or per_day <= 1:
        return result
    n_days = -(-len(counts) // per_day)
    padded_mu = np.full(n_days * per_day, np.nan)
    padded_mu[: len(mu)] = mu
    padded_x = np.zeros(n_days * per_day)
    padded_x[: len(counts)] = counts
    known = ~np.isnan(padded_mu)
    day_mu = np.where(known, padded_mu, 0.0).reshape(n_days, per_day).sum(axis=1)
    day_x = np.where(known, padded_x, 0.0).reshape(n_days, per_day).sum(axis=1)
    mu_cum = np.concatenate([[0.0], np.cumsum(day_mu)])
    x_cum = np.concatenate([[0.0], np.cumsum(day_x)])
    for day in range(1, n_days):
        first = max(0, day - settings.level_days)
        expected = mu_cum[day] - mu_cum[first]
        if expected < MIN_LEVEL_CONTACTS:
            continue
        ratio = (x_cum[day] - x_cum[first]) / expected
        ratio = min(max(ratio, 1.0 / settings.max_level_ratio), settings.max_level_ratio)
        result[day * per_day : (day + 1) * per_day] = ratio
    return result[: len(counts)]


def _tail_probability(
    counts: NDArray[np.float64], mu: NDArray[np.float64], alpha: NDArray[np.float64]
) -> NDArray[np.float64]:
    """P(X ≥ x) under NB(μ, α) (Poisson where α = 0); 1 where μ is unknown."""
    testable = ~np.isnan(mu)
    safe_mu = np.where(testable, mu, 1.0)
    result = np.ones(len(counts))
    poisson_bins = testable & (alpha <= 0)
    result[poisson_bins] = poisson.sf(counts[poisson_bins] - 1, safe_mu[poisson_bins])
    nb_bins = testable & (alpha > 0)
    if nb_bins.any():
        size = 1.0 / alpha[nb_bins]
        result[nb_bins] = nbinom.sf(counts[nb_bins] - 1, size, size / (size + safe_mu[nb_bins]))
    return result


def _log_likelihood_ratio(x: float, mu: float, alpha: float, ratio: float) -> float:
    """log P(x | NB(rμ, α)) − log P(x | NB(μ, α)); Poisson when α = 0."""
    if alpha <= 0.0:
        return x * math.log(ratio) - (ratio - 1.0) * mu
    size = 1.0 / alpha
    return x * math.log(ratio) + (x + size) * math.log((size + mu) / (size + ratio * mu))


def _detect_one(
    topic: str,
    counts: NDArray[np.float64],
    mu: NDArray[np.float64],
    bin_start: datetime,
    bin_size: timedelta,
    settings: SurgeSettings,
    closed: NDArray[np.bool_] | None = None,
    mean: NDArray[np.float64] | None = None,
) -> list[SurgeAlert]:
    per_day = max(1, DAY // bin_size)
    alpha = dispersion_by_bin(counts, mu if mean is None else mean, per_day, settings)
    testable = ~np.isnan(mu)
    tail = _tail_probability(counts, mu, alpha)
    spikes = (tail < settings.tail_probability) & (counts >= settings.min_count)
    new_topic = _new_topic_bins(counts, per_day, settings, closed)
    alerts: list[SurgeAlert] = []
    s = 0.0
    run_start = 0  # first bin of the current CUSUM run (after S was last 0)
    in_surge = False
    day_level = settings.model == "nb-day"
    s_day = day_count = day_expected = 0.0
    for t in range(len(counts)):
        if day_level and t % per_day == 0:
            s_day, day_count, day_expected = s, 0.0, 0.0
        if new_topic[t] and not in_surge:
            day_start = t - t % per_day
            observed = float(counts[day_start : t + 1].sum())
            expected = float(np.nansum(mu[day_start : t + 1]))
            alerts.append(
                SurgeAlert(
                    topic=topic,
                    start=bin_start + day_start * bin_size,
                    detected_at=bin_start + t * bin_size,
                    score=round(observed / expected, 3) if expected > 0 else float("inf"),
                    observed=int(observed),
                    expected=round(expected, 3),
                    method="new",
                    ongoing=False,
                )
            )
            in_surge = True
            s = settings.cusum_threshold
            run_start = day_start
            continue
        if not testable[t]:
            continue
        previous = s
        if day_level:  # the day's factor is shared by its hours: test the day so far
            day_count += counts[t]
            day_expected += mu[t]
            step = _log_likelihood_ratio(day_count, day_expected, alpha[t], settings.cusum_ratio)
            s = max(0.0, s_day + step)
        else:
            step = _log_likelihood_ratio(counts[t], mu[t], alpha[t], settings.cusum_ratio)
            s = max(0.0, s + step)
        if previous == 0.0:
            run_start = t
        if in_surge:
            if settings.model != "poisson":  # so the episode ends soon after the surge
                s = min(s, settings.cusum_threshold)
            in_surge = s > 0.0 or bool(spikes[t])
            if not in_surge:
                alerts[-1] = replace(alerts[-1], ended_at=bin_start + t * bin_size)
            continue
        window = slice(run_start, t + 1)
        observed = float(counts[window].sum())
        cusum_alarm = s >= settings.cusum_threshold and observed >= settings.min_count
        if not (cusum_alarm or spikes[t]):
            continue
        start = run_start  # where the current run above expectation began
        observed = float(counts[start : t + 1].sum())
        expected = float(np.nansum(mu[start : t + 1]))
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


def _new_topic_bins(
    counts: NDArray[np.float64],
    per_day: int,
    settings: SurgeSettings,
    closed: NDArray[np.bool_] | None,
) -> NDArray[np.bool_]:
    """The first bin where a new topic's count within one local day reaches
    ``new_topic_count``.

    "New": at most ``new_topic_history`` contacts in the ``baseline_weeks`` weeks
    that ended ``NEW_TOPIC_GROWTH_DAYS`` before the bin's day (so a topic that
    appeared a few days ago and is still growing counts as new), the series reaching
    back at least ``min_history_weeks`` weeks. Only one bin is marked per series.
    """
    marks = np.zeros(len(counts), dtype=bool)
    if settings.new_topic_count <= 0:
        return marks
    window = settings.baseline_weeks * 7 * per_day
    growth = NEW_TOPIC_GROWTH_DAYS * per_day
    first = settings.min_history_weeks * 7 * per_day + growth
    cumulative = np.concatenate([[0.0], np.cumsum(counts)])
    for day_start in range(first, len(counts), per_day):
        if closed is not None and closed[day_start]:
            continue
        end = day_start - growth
        past = cumulative[end] - cumulative[max(0, end - window)]
        if past > settings.new_topic_history:
            continue
        day = counts[day_start : day_start + per_day]
        reached = np.nonzero(np.cumsum(day) >= settings.new_topic_count)[0]
        if len(reached):
            marks[day_start + int(reached[0])] = True
            break
    return marks


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
    per_day = max(1, DAY // bin_size)
    series_by_topic: dict[str, NDArray[np.float64]] = {}
    for topic, series in counts.items():
        values = np.asarray(series, dtype=np.float64)
        if values.ndim != 1 or (values < 0).any() or np.isnan(values).any():
            raise InvalidInput(f"Counts for topic {topic!r} must be non-negative numbers.")
        if now is not None:
            bins_before_now = -((first_bin_at - now) // bin_size)
            values = values[: max(0, bins_before_now)]
        series_by_topic[topic] = values
    closed = _closed_bins(series_by_topic, per_day) if settings.closed_days_missing else None
    alerts: list[SurgeAlert] = []
    unmargined = replace(settings, baseline_margin=0.0)
    for topic, values in series_by_topic.items():
        mu = expected_counts(values, period, settings, closed)
        level = level_ratio_by_bin(values, mu, per_day, settings)
        # the dispersion is measured around the plain mean: the margin would count as spread
        mean = expected_counts(values, period, unmargined, closed) * level
        alerts.extend(
            _detect_one(topic, values, mu * level, first_bin_at, bin_size, settings, closed, mean)
        )
    return sorted(alerts, key=lambda a: (a.detected_at, a.topic))


def _closed_bins(
    series_by_topic: Mapping[str, NDArray[np.float64]], per_day: int
) -> NDArray[np.bool_] | None:
    """Bins of complete past days with no contact in any series (closed, or no data).

    Such a day tells nothing about the usual level: it is left out of every baseline
    and not tested. Only where the median day holds at least ``CLOSED_DAY_MEDIAN``
    contacts (so an empty day cannot be chance); the current (last, maybe partial) day
    is never marked.
    """
    lengths = {len(v) for v in series_by_topic.values()}
    if not lengths:
        return None
    n = max(lengths)
    total = np.zeros(n)
    for values in series_by_topic.values():
        total[: len(values)] += values
    full_days = n // per_day
    if n % per_day == 0:
        full_days -= 1  # the last day may still be going on
    marks = np.zeros(n, dtype=bool)
    if full_days <= 0:
        return marks
    day_totals = total[: full_days * per_day].reshape(full_days, per_day).sum(axis=1)
    if np.median(day_totals) < CLOSED_DAY_MEDIAN:
        return marks  # too little traffic for an empty day to stand out
    for day in range(full_days):
        block = slice(day * per_day, (day + 1) * per_day)
        if total[block].sum() == 0:
            marks[block] = True
    return marks
