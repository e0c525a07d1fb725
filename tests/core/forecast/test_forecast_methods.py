"""Forecast methods on synthetic grids whose right answer is known."""

from datetime import date, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from distans.core.forecast.adjust import Uplift, apply_uplifts, reforecast_rest_of_day
from distans.core.forecast.grid import DayGrid
from distans.core.forecast.methods import level_profile_forecast, profile_baseline
from distans.core.forecast.plan import forecast_from, holiday_factors

MONDAY = date(2026, 1, 5)
SLOTS = 4  # 6-hour intervals keep the grids small


def weekly_grid(weeks, scale=1.0):
    """Weekday w has total 10·(w+1)·scale, split 10/20/30/40 % over the four intervals."""
    shape = np.array([0.1, 0.2, 0.3, 0.4])
    rows = [10.0 * (d % 7 + 1) * scale * shape for d in range(7 * weeks)]
    return DayGrid(MONDAY, 360, np.array(rows))


def test_baseline_repeats_a_pattern_that_never_changes():
    grid = weekly_grid(5)
    forecast = profile_baseline(grid, 35, 7)
    assert np.allclose(forecast, grid.counts[28:35])


def test_level_profile_is_exact_on_a_multiplicative_pattern():
    grid = weekly_grid(13)
    forecast = level_profile_forecast(grid, 91, 7)
    assert np.allclose(forecast, grid.counts[84:91])


def test_a_holiday_in_history_is_skipped_and_a_holiday_ahead_is_closed():
    # given a closed Monday three weeks back, marked special, and a holiday next Monday
    grid = weekly_grid(13)
    grid.counts[70] = 0.5
    holiday_back = MONDAY + timedelta(days=70)
    holiday_ahead = MONDAY + timedelta(days=91)
    special = {holiday_back: 0.0, holiday_ahead: 0.0}
    # when
    forecast = level_profile_forecast(grid, 91, 8, special)
    # then
    assert np.allclose(forecast[0], 0.0)
    assert np.allclose(forecast[7], grid.counts[84])


def test_swedish_christmas_and_norwegian_constitution_day_are_closed():
    factors = holiday_factors(("se", "no"), [2026])
    assert factors[date(2026, 12, 24)] == 0.0
    assert factors[date(2026, 5, 17)] == 0.0


@given(
    st.lists(st.floats(0.1, 100), min_size=4, max_size=4),
    st.lists(st.floats(0, 200), min_size=2, max_size=2),
)
def test_reforecast_keeps_actuals_and_scales_the_rest_by_one_ratio(forecast, actual):
    day = np.array(forecast)
    updated = reforecast_rest_of_day(day, np.array(actual), credibility_contacts=10)
    assert np.allclose(updated[:2], actual)
    expected_ratio = (sum(actual) + 10) / (sum(forecast[:2]) + 10)
    assert np.allclose(updated[2:], day[2:] * expected_ratio)


def test_reforecast_follows_strong_evidence_and_ignores_none():
    day = np.full(4, 1000.0)
    assert reforecast_rest_of_day(day, np.array([2000.0, 2000.0]), 1)[3] > 1990
    assert reforecast_rest_of_day(day, np.array([]), 1)[3] == 1000


def test_uplift_of_forty_percent_for_two_weeks_only():
    forecast = np.ones((21, SLOTS))
    uplift = Uplift(MONDAY + timedelta(days=3), MONDAY + timedelta(days=16), 1.4, "corona")
    out = apply_uplifts(forecast, MONDAY, [uplift])
    assert np.allclose(out.sum(axis=1), [4.0] * 3 + [5.6] * 14 + [4.0] * 4)


def test_forecast_from_midday_uses_only_the_past_and_starts_at_the_as_of_interval():
    grid = weekly_grid(13)
    as_of = MONDAY + timedelta(days=91)
    future = np.vstack([grid.counts, np.full((7, SLOTS), 9999.0)])
    future[91, :2] = grid.counts[84, :2] * 2  # twice as busy this morning
    result = forecast_from(DayGrid(MONDAY, 360, future), as_of, 2, 1)
    assert len(result.contacts) == SLOTS
    assert result.contacts.max() < 9999
    assert result.contacts[0] > grid.counts[84, 2]  # scaled up by the morning
