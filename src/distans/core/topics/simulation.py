"""Simulated hourly arrivals per topic, for measuring and demonstrating surge detection.

Arrivals in hour t are Poisson with rate λ_t = level · profile[t mod 168] · (1 + f·s_t)
where the weekly profile is that of an office-hours public service (weekdays 08–17 with
a lunch dip, quiet evenings, very quiet nights and weekends), normalised so that one
week holds ``level`` arrivals on average, and s_t is 1 inside an injected surge of
relative size f (0.4 = +40 %), else 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

HOURS_PER_WEEK = 168


def weekly_profile() -> NDArray[np.float64]:
    """Return the 168 hourly weights (Monday 00:00 first) summing to 1."""
    day = np.full(24, 0.01)
    day[7:8] = 0.3
    day[8:12] = 1.0
    day[12:13] = 0.6
    day[13:17] = 0.9
    day[17:21] = 0.2
    weekend = day * 0.12
    profile = np.concatenate([day] * 5 + [weekend] * 2)
    normalised: NDArray[np.float64] = profile / profile.sum()
    return normalised


def simulate_hourly_counts(
    rng: np.random.Generator,
    weeks: int,
    level_per_week: float,
    surge_start_hour: int | None = None,
    surge_hours: int = 0,
    surge_increase: float = 0.0,
) -> NDArray[np.float64]:
    """Draw ``weeks`` × 168 hourly counts starting on a Monday at 00:00."""
    rate = np.tile(weekly_profile() * level_per_week, weeks)
    if surge_start_hour is not None:
        rate[surge_start_hour : surge_start_hour + surge_hours] *= 1.0 + surge_increase
    return rng.poisson(rate).astype(np.float64)
