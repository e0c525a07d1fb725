"""Surge detection on overdispersed counts (issue 22): NB dispersion, closed days,
new topics, episode ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from distans.core.topics.simulation import weekly_profile
from distans.core.topics.surges import (
    DAY,
    HOUR,
    SurgeSettings,
    _log_likelihood_ratio,
    detect_surges,
    dispersion_by_bin,
    expected_counts,
)

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
POISSON = SurgeSettings(model="poisson", new_topic_count=0, closed_days_missing=False)


def _overdispersed(
    rng: np.random.Generator, weeks: int, per_week: float, alpha: float
) -> np.ndarray:
    """Hourly counts whose every day is scaled by a gamma factor (mean 1, variance α)."""
    profile = weekly_profile()
    factors = np.repeat(rng.gamma(1.0 / alpha, alpha, size=weeks * 7), 24)
    return rng.poisson(np.tile(profile * per_week, weeks) * factors).astype(float)


def test_dispersion_is_estimated_from_day_to_day_variation() -> None:
    # Given 20 weeks whose days vary with variance 0.1 on top of Poisson noise
    rng = np.random.default_rng(22)
    counts = _overdispersed(rng, 20, 2000.0, 0.1)
    mu = expected_counts(counts, 168, SurgeSettings(baseline_margin=0.0))
    alpha = dispersion_by_bin(counts, mu, 24, SurgeSettings())
    # Then the late estimate is near 0.1 (the baseline's own error adds a little)
    assert 0.05 < alpha[-1] < 0.2
    # and the Poisson model has none
    assert not dispersion_by_bin(counts, mu, 24, POISSON).any()


def test_negative_binomial_raises_fewer_false_alerts_than_poisson_on_busy_days() -> None:
    rng = np.random.default_rng(5)
    series = {f"t{i}": _overdispersed(rng, 16, 1500.0, 0.08) for i in range(4)}
    nb = detect_surges(series, first_bin_at=MONDAY)
    poisson = detect_surges(series, first_bin_at=MONDAY, settings=POISSON)
    assert len(poisson) >= 4
    assert len(nb) <= len(poisson) // 4


def test_a_sustained_rise_is_still_found_on_overdispersed_traffic() -> None:
    rng = np.random.default_rng(9)
    counts = _overdispersed(rng, 12, 3000.0, 0.03)
    start = 10 * 168 + 24 + 8  # Tuesday 08:00 of week 11
    counts[start:] += rng.binomial(counts[start:].astype(int), 1.0)  # +100 %
    alerts = [a for a in detect_surges({"x": counts}, first_bin_at=MONDAY)
              if a.detected_at >= MONDAY + start * HOUR]  # fmt: skip
    # within the same day (the day-level test needs the day's count to stand out)
    assert alerts and alerts[0].detected_at <= MONDAY + (start + 12) * HOUR


def test_the_nb_likelihood_ratio_tends_to_poisson_and_is_smaller_when_dispersed() -> None:
    poisson = _log_likelihood_ratio(30.0, 20.0, 0.0, 1.4)
    assert poisson == pytest.approx(30 * np.log(1.4) - 0.4 * 20)
    assert _log_likelihood_ratio(30.0, 20.0, 1e-9, 1.4) == pytest.approx(poisson, rel=1e-5)
    assert _log_likelihood_ratio(30.0, 20.0, 0.2, 1.4) < poisson


def test_a_day_with_no_contact_in_any_topic_is_left_out_of_the_baseline() -> None:
    # Given two topics at a steady 10 an hour and two Wednesdays with no data at all
    counts = {t: np.full(7 * 168, 10.0) for t in ("a", "b")}
    for series in counts.values():
        for week in (2, 3):
            series[week * 168 + 48 : week * 168 + 72] = 0.0
    closed_rule = replace(POISSON, closed_days_missing=True)
    # Then the later Wednesdays are not measured against a halved baseline
    assert detect_surges(counts, first_bin_at=MONDAY, settings=closed_rule) == []
    # while the same series without that rule does alarm
    assert detect_surges(counts, first_bin_at=MONDAY, settings=POISSON)


def test_a_new_topic_is_flagged_in_the_hour_its_day_reaches_ten() -> None:
    # Given a busy topic for context and a topic silent for seven weeks
    rng = np.random.default_rng(1)
    busy = rng.poisson(np.tile(weekly_profile() * 2000.0, 8)).astype(float)
    new = np.zeros(8 * 168)
    day = 7 * 168 + 24  # Tuesday of week 8
    new[day + 8 : day + 18] = [1, 1, 2, 1, 2, 1, 1, 1, 2, 2]  # 10 reached at 15:00
    alerts = [a for a in detect_surges({"busy": busy, "new": new}, first_bin_at=MONDAY)
              if a.topic == "new"]  # fmt: skip
    assert [a.method for a in alerts] == ["new"]
    assert alerts[0].detected_at == MONDAY + (day + 15) * HOUR
    assert alerts[0].start == MONDAY + day * HOUR and alerts[0].observed == 10


def test_a_topic_with_a_past_is_not_called_new() -> None:
    counts = np.zeros(6 * 7)
    counts[::7] = 3.0  # three contacts every Monday
    counts[-1] = 11.0
    alerts = detect_surges({"x": counts}, first_bin_at=MONDAY, bin_size=DAY)
    assert all(a.method != "new" for a in alerts)


def test_an_episode_records_when_it_ended() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(np.tile(weekly_profile() * 1000.0, 10)).astype(float)
    start = 9 * 168 + 9
    counts[start : start + 6] *= 4
    alerts = [a for a in detect_surges({"x": counts}, first_bin_at=MONDAY)
              if a.detected_at >= MONDAY + start * HOUR]  # fmt: skip
    assert alerts and not alerts[0].ongoing
    assert alerts[0].ended_at is not None
    assert (
        MONDAY + (start + 6) * HOUR
        <= alerts[0].ended_at
        < MONDAY + (start + 6) * HOUR + timedelta(days=2)
    )
