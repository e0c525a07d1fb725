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
    updated = reforecast_rest_of_day(day, np.array(actual), credibility_contacts=10, persistence=1)
    assert np.allclose(updated[:2], actual)
    expected_ratio = (sum(actual) + 10) / (sum(forecast[:2]) + 10)
    assert np.allclose(updated[2:], day[2:] * expected_ratio)


def test_reforecast_follows_strong_evidence_and_ignores_none():
    day = np.full(4, 1000.0)
    assert reforecast_rest_of_day(day, np.array([2000.0, 2000.0]), 1, persistence=1)[3] > 1990
    assert reforecast_rest_of_day(day, np.array([]), 1)[3] == 1000


def test_reforecast_carries_half_a_busy_morning_into_the_afternoon_by_default():
    day = np.full(4, 1000.0)
    updated = reforecast_rest_of_day(day, np.array([2000.0, 2000.0]), 1)
    assert 1490 < updated[3] < 1500


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


def weekday_grid(weeks, level=1000.0):
    """Open Monday–Friday, Monday 1.2× the other weekdays, flat 4-interval shape."""
    rows = []
    for d in range(7 * weeks):
        weekday = (MONDAY + timedelta(days=d)).weekday()
        total = 0.0 if weekday >= 5 else level * (1.2 if weekday == 0 else 1.0)
        rows.append(np.full(SLOTS, total / SLOTS))
    return DayGrid(MONDAY, 360, np.array(rows))


def test_the_level_follows_a_shift_within_days_not_weeks():
    # given 10 quiet weeks, then a 20 % higher level in the 11th (16–20 March 2026,
    # clear of any month's turn)
    grid = weekday_grid(11)
    grid.counts[70:] *= 1.2
    # when forecasting the next week from Monday 23 March
    forecast = level_profile_forecast(grid, 77, 5).sum(axis=1)
    baseline = profile_baseline(grid, 77, 5).sum(axis=1)
    # then the new level carries most of the weight; the baseline's four weeks give +5 %
    assert forecast[1] > 1.12 * 1000
    assert baseline[1] == 1050
    assert np.isclose(forecast[0] / forecast[1], 1.2)


def test_the_first_open_day_of_a_month_gets_its_learned_uplift():
    # given every first weekday of a month 10 % busier than the rest
    grid = weekday_grid(20)
    totals = grid.counts.sum(axis=1)
    firsts = [
        d
        for d in range(len(totals))
        if totals[d] > 0
        and all(
            (grid.date_of(d) - timedelta(days=k)).month != grid.date_of(d).month
            or totals[d - k] == 0
            for k in range(1, grid.date_of(d).day)
        )
    ]
    for d in firsts:
        grid.counts[d] *= 1.1
    # when forecasting Monday 1 June 2026 from the Thursday before
    row = (date(2026, 6, 1) - MONDAY).days
    history = DayGrid(MONDAY, 360, grid.counts[: row - 4])
    forecast = level_profile_forecast(history, row, 1).sum()
    plain = 1200.0
    # then it is above the plain level but, shrunk over few examples, not above +10 %
    assert plain * 1.03 < forecast <= plain * 1.1 + 1e-6


def test_a_day_after_a_holiday_catches_up_as_it_did_before():
    # given two closed Thursdays in history, each followed by a 30 % busier Friday
    grid = weekday_grid(13)
    for thursday in (3 + 7 * 4, 3 + 7 * 9):
        grid.counts[thursday] = 0.0
        grid.counts[thursday + 1] *= 1.3
    holiday = MONDAY + timedelta(days=91 + 3)
    special = {holiday: 0.0, MONDAY + timedelta(days=3 + 7 * 4): 0.0}
    # when the Thursday ahead is a holiday
    forecast = level_profile_forecast(grid, 91, 7, special).sum(axis=1)
    # then Thursday is closed and Friday is forecast above an ordinary day
    assert forecast[3] == 0
    assert forecast[4] > 1.1 * forecast[2]


def test_the_opening_calendar_gives_closed_days_zero_and_half_days_their_share():
    from distans.core.calendar import DayOverride, OpeningCalendar, TimeRange
    from distans.core.forecast.plan import calendar_factors

    eight_to_four = (TimeRange(8 * 60, 16 * 60),)
    calendar = OpeningCalendar(
        weekly={d: eight_to_four for d in range(5)},
        time_zone="Europe/Stockholm",
        holiday_country="se",
        overrides={
            date(2026, 3, 4): DayOverride(date(2026, 3, 4), (TimeRange(8 * 60, 12 * 60),)),
        },
    )
    factors = calendar_factors(calendar, date(2026, 3, 2), date(2026, 4, 10))
    assert factors[date(2026, 3, 4)] == 0.5  # an override: open 4 of the usual 8 hours
    assert factors[date(2026, 4, 3)] == 0.0  # Good Friday, closed
    assert date(2026, 3, 5) not in factors  # an ordinary Thursday
