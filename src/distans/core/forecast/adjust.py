"""Adjusting a forecast: intraday reforecast from today's actuals, manual uplifts."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from distans.core.errors import InvalidInput

CREDIBILITY_CONTACTS = 500.0  # tuned on the bank backtest (docs/dev/planning.md)
PERSISTENCE = 0.5  # share of the morning's deviation that lasts (bench/forecast.py, 2003)


@dataclass(frozen=True, slots=True)
class Uplift:
    """Multiply the forecast by ``factor`` from ``first_day`` to ``last_day`` inclusive."""

    first_day: date
    last_day: date
    factor: float
    label: str = ""


def reforecast_rest_of_day(
    day_forecast: NDArray[np.float64],
    actual_so_far: NDArray[np.float64],
    credibility_contacts: float = CREDIBILITY_CONTACTS,
    persistence: float = PERSISTENCE,
) -> NDArray[np.float64]:
    """Scale the rest of the day by the shrunk ratio of actual to forecast so far.

    With A contacts seen and F forecast for the elapsed intervals, the ratio is
    ``(A + k) / (F + k)``: a credibility-weighted ratio (Bühlmann) that stays near 1
    early in the day and follows the actuals as evidence grows; ``k`` is
    ``credibility_contacts``. Only ``persistence`` of the ratio's distance from 1 is
    carried into the rest of the day: at a large centre the morning is known almost
    without noise, yet half its deviation is the morning's own (a busy hour, not a
    busy day). Elapsed intervals become the actuals.
    """
    seen = len(actual_so_far)
    if seen > len(day_forecast):
        raise InvalidInput("more actual intervals than the day has")
    ratio = (float(actual_so_far.sum()) + credibility_contacts) / (
        float(day_forecast[:seen].sum()) + credibility_contacts
    )
    out = day_forecast.astype(np.float64).copy()
    out[:seen] = actual_so_far
    out[seen:] *= 1 + persistence * (ratio - 1)
    return out


def apply_uplifts(
    forecast: NDArray[np.float64], first_day: date, uplifts: Sequence[Uplift]
) -> NDArray[np.float64]:
    """Multiply each day row of ``forecast`` (row 0 = ``first_day``) by its uplifts."""
    out = forecast.astype(np.float64).copy()
    for uplift in uplifts:
        if uplift.factor < 0 or uplift.last_day < uplift.first_day:
            raise InvalidInput(
                f"uplift {uplift.label or ''}: bad factor or date range".replace("  ", " ")
            )
        for row in range(out.shape[0]):
            if uplift.first_day <= first_day + timedelta(days=row) <= uplift.last_day:
                out[row] *= uplift.factor
    return out
