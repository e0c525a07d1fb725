"""The forecast a planner asks for: from a moment on, for some days, with holidays,
special days, uplifts and today's actuals taken into account."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from distans.core.calendar.holidays import holidays_for
from distans.core.calendar.hours import TimeRange
from distans.core.calendar.opening_calendar import OpeningCalendar
from distans.core.errors import InvalidInput
from distans.core.forecast.adjust import Uplift, apply_uplifts, reforecast_rest_of_day
from distans.core.forecast.grid import DayGrid
from distans.core.forecast.methods import level_profile_forecast


@dataclass(frozen=True)
class IntervalForecast:
    """Forecast contacts per interval from interval ``first_slot`` of ``first_day`` on."""

    first_day: date
    first_slot: int
    interval_minutes: int
    contacts: NDArray[np.float64]


def calendar_factors(
    calendar: OpeningCalendar, first_day: date, last_day: date
) -> dict[date, float]:
    """Special days of an opening calendar as forecast factors, ``first_day`` to
    ``last_day``: every day whose hours come from a holiday or an override gets its
    open minutes over the usual open minutes of its weekday (0 = closed, 0.5 = a half
    day). Such days are left out of training and scaled ahead (methods module doc)."""
    factors: dict[date, float] = {}
    day = first_day
    while day <= last_day:
        hours = calendar.hours_on(day)
        if hours.source != "weekly":
            usual = _minutes(calendar.weekly.get(day.weekday(), ()))
            today = _minutes(hours.ranges)
            factors[day] = min(1.0, today / usual) if usual else (1.0 if today else 0.0)
        day += timedelta(days=1)
    return factors


def _minutes(ranges: Iterable[TimeRange]) -> int:
    return sum(r.end_minute - r.start_minute for r in ranges)


def holiday_factors(countries: Sequence[str], years: Iterable[int]) -> dict[date, float]:
    """Public holidays (SE/NO, de-facto ones included) as closed days: factor 0."""
    return {
        h.on: 0.0 for country in countries for year in years for h in holidays_for(country, year)
    }


def forecast_from(
    history: DayGrid,
    as_of_day: date,
    as_of_slot: int,
    horizon_days: int,
    special_days: Mapping[date, float] | None = None,
    uplifts: Sequence[Uplift] = (),
) -> IntervalForecast:
    """Forecast ``horizon_days × intervals`` from ``as_of_day``'s interval ``as_of_slot``.

    Only history before the as-of moment is used. The as-of day itself is forecast
    from earlier days and then reforecast from its actuals so far
    (:func:`reforecast_rest_of_day`); uplifts apply last.
    """
    if horizon_days <= 0:
        raise InvalidInput("the horizon must be at least one day")
    row = history.day_index(as_of_day)
    if row <= 0:
        raise InvalidInput("no history before the as-of moment")
    past = DayGrid(history.first_date, history.interval_minutes, history.counts[:row])
    days = horizon_days + (1 if as_of_slot else 0)
    ahead = level_profile_forecast(past, row, days, special_days)
    if as_of_slot and row < history.counts.shape[0]:
        today = history.counts[row, :as_of_slot]
        ahead[0] = reforecast_rest_of_day(ahead[0], today)
    ahead = apply_uplifts(ahead, as_of_day, uplifts)
    flat = ahead.reshape(-1)[as_of_slot : as_of_slot + horizon_days * history.slots]
    return IntervalForecast(as_of_day, as_of_slot, history.interval_minutes, flat)
