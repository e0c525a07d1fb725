"""Day-ahead forecasts on a :class:`DayGrid`.

Baseline (the one to beat): for each target day, the interval-wise mean of the last
four observed days with the same weekday.

Level × profile (Distans' default): the day's total is the mean of the last four
*ordinary* same-weekday totals, where a day counts as ordinary when it is not a special
date and its total is at least half the median of its neighbours of the same weekday
(data gaps and unannounced half-days are skipped); the intraday profile is the mean
share per interval over the last twelve ordinary same-weekday days (more days: less
noise in the shape, which changes slowly). This is the multiplicative "daily volume ×
intraday pattern" decomposition of Gans, Koole & Mandelbaum (2003, §4.1) and Brown et
al. (2005, JASA) with a robust level. Special dates (holidays) are left out of
training and forecast as ``factor × ordinary`` (``0`` = closed).
"""

from collections.abc import Mapping
from datetime import date

import numpy as np
from numpy.typing import NDArray

from distans.core.forecast.grid import DayGrid

LEVEL_DAYS = 4
PROFILE_DAYS = 12
OUTLIER_SHARE = 0.5


def profile_baseline(
    history: DayGrid, first_row: int, days: int, weeks: int = 4
) -> NDArray[np.float64]:
    """Baseline: mean of the last ``weeks`` same-weekday days with contacts, per interval."""
    totals = history.counts.sum(axis=1)
    out = np.zeros((days, history.slots))
    for offset in range(days):
        rows = _same_weekday(first_row + offset, totals, set(), weeks, len(totals))
        if rows:
            out[offset] = history.counts[rows].mean(axis=0)
    return out


def level_profile_forecast(
    history: DayGrid,
    first_row: int,
    days: int,
    special_days: Mapping[date, float] | None = None,
) -> NDArray[np.float64]:
    """Robust daily level × intraday profile (see module doc); special days scaled."""
    special = special_days or {}
    totals = history.counts.sum(axis=1)
    skip = {history.day_index(day) for day in special}
    out = np.zeros((days, history.slots))
    for offset in range(days):
        row = first_row + offset
        level_rows = _ordinary(row, totals, skip, LEVEL_DAYS)
        profile_rows = _ordinary(row, totals, skip, PROFILE_DAYS)
        if not level_rows:
            continue
        shapes = history.counts[profile_rows] / totals[profile_rows, None]
        out[offset] = totals[level_rows].mean() * shapes.mean(axis=0)
        factor = special.get(history.date_of(row))
        if factor is not None:
            out[offset] *= factor
    return out


def _ordinary(row: int, totals: NDArray[np.float64], skip: set[int], wanted: int) -> list[int]:
    candidates = _same_weekday(row, totals, skip, wanted + LEVEL_DAYS, len(totals))
    if not candidates:
        return []
    median = float(np.median(totals[candidates]))
    return [r for r in candidates if totals[r] >= OUTLIER_SHARE * median][:wanted]


def _same_weekday(
    row: int, totals: NDArray[np.float64], skip: set[int], wanted: int, known: int
) -> list[int]:
    """Up to ``wanted`` earlier rows 7, 14, … days before ``row`` with contacts."""
    rows: list[int] = []
    candidate = row - 7
    while candidate >= 0 and len(rows) < wanted:
        if candidate < known and totals[candidate] > 0 and candidate not in skip:
            rows.append(candidate)
        candidate -= 7
    return rows
