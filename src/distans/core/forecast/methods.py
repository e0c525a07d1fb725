"""Day-ahead forecasts on a :class:`DayGrid`.

Baseline (the one to beat): for each target day, the interval-wise mean of the last
four observed days with the same weekday.

Level × weekday × calendar × profile (Distans' default), the multiplicative "daily
volume × intraday pattern" decomposition of Gans, Koole & Mandelbaum (2003, §4.1) and
Brown et al. (2005, JASA), with each factor estimated where it has most data:

* **weekday factor**: per weekday, the median over the last ``WEEKDAY_WEEKS`` weeks of
  the day's total over the mean of its own week's open days (normalised to mean 1);
* **turn of month**: the last open day of a month and the first three of the next
  (statement and pay days: +4–8 % at a bank) get a factor estimated from every such day
  in the history, as the mean ratio to the deseasonalised local level, shrunk towards 1
  by ``CALENDAR_SHRINK`` pseudo-observations (scaling the shrinkage with the noise of
  plain days made both banks worse, so it is not done);
* **after a closure**: the first open day after a closed usual-open day (a holiday)
  catches up; its factor is estimated and shrunk the same way and applies ahead when a
  special day closes the day before;
* **level**: an exponentially weighted mean (half-life ``LEVEL_HALF_LIFE_DAYS``) of the
  last ``LEVEL_DAYS`` ordinary open days' totals divided by their weekday and calendar
  factors, days more than ``LEVEL_OUTLIER`` from the median left out. Using every
  weekday's deseasonalised total, not only the same weekday's, follows level shifts
  within days instead of weeks and averages five times the data;
* **profile**: the mean share per interval over the last ``PROFILE_DAYS`` ordinary
  same-weekday days (the shape changes slowly; more days, less noise).

Ordinary days are neither special dates nor below ``OUTLIER_SHARE`` of the median of
their same-weekday neighbours (data gaps, unannounced half days). Special dates are left
out of training and forecast as ``factor × ordinary`` (``0`` = closed). All constants
were chosen on the rolling backtest of bench/forecast.py (docs/dev/planning.md).
"""

from collections.abc import Callable, Mapping
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from distans.core.forecast.grid import DayGrid

PROFILE_DAYS = 12
OUTLIER_SHARE = 0.5
WEEKDAY_WEEKS = 8
LEVEL_CHOICES = ((10, 5.0), (20, 10.0), (40, 1000.0))  # (open days, half-life in days)
LEVEL_CHECK_DAYS = 20
LEVEL_OUTLIER = 0.15
CALENDAR_SHRINK = 1.0
LOCAL_LEVEL_DAYS = 10
TURN_OF_MONTH = (-1, 1, 2, 3)  # last open day of the month, first three of the next
AFTER_CLOSURE = 99  # key of the "first open day after a closure" factor


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
    """Level × weekday × calendar × profile (see module doc); special days scaled."""
    special = special_days or {}
    counts = history.counts
    totals = counts.sum(axis=1)
    known = len(totals)
    skip = {history.day_index(day) for day in special if 0 <= history.day_index(day) < known}
    model = _DayModel(history, totals, skip)
    out = np.zeros((days, history.slots))
    for offset in range(days):
        row = first_row + offset
        profile_rows = _ordinary(row, totals, skip, PROFILE_DAYS)
        if not profile_rows:
            continue
        shapes = counts[profile_rows] / totals[profile_rows, None]
        total = model.total(row, special)
        if total is None:
            level_rows = _ordinary(row, totals, skip, 4)
            total = float(totals[level_rows].mean())
        out[offset] = total * shapes.mean(axis=0)
        factor = special.get(history.date_of(row))
        if factor is not None:
            out[offset] *= factor
    return out


class _DayModel:
    """Daily totals as level × weekday factor × calendar factor, fitted on the past."""

    def __init__(self, history: DayGrid, totals: NDArray[np.float64], skip: set[int]) -> None:
        self.history = history
        known = len(totals)
        self.open_weekdays = _open_weekdays(history, totals)
        self.weekday = _weekday_factors(history, totals, skip, self.open_weekdays)
        ordinary = [
            r
            for r in range(known)
            if totals[r] > 0 and r not in skip and self.weekday[self._dow(r)] > 0
        ]
        ordinary = [r for r in ordinary if _plausible(r, totals, skip)]
        deseason = {r: totals[r] / self.weekday[self._dow(r)] for r in ordinary}
        keys = {r: self._calendar_key(r, lambda x: x < known and totals[x] <= 0) for r in ordinary}
        plain = [r for r in ordinary if keys[r] is None]
        self.calendar: dict[int, float] = {}
        ratios: dict[int, list[float]] = {}
        for r in ordinary:
            key = keys[r]
            if key is None:
                continue
            near = [deseason[x] for x in plain if abs(x - r) <= LOCAL_LEVEL_DAYS]
            if len(near) >= 3:
                ratios.setdefault(key, []).append(deseason[r] / float(np.median(near)) - 1)
        for key, values in ratios.items():
            self.calendar[key] = 1 + sum(values) / (len(values) + CALENDAR_SHRINK)
        plain_values = np.array([deseason[r] for r in plain])
        self.level = _choose_level(np.array(plain, dtype=np.int64), plain_values, known)

    def _dow(self, row: int) -> int:
        return self.history.date_of(row).weekday()

    def total(self, row: int, special: Mapping[date, float]) -> float | None:
        """Expected total of ``row``; None without enough history for the model."""
        factor = self.weekday[self._dow(row)]
        if self.level is None or factor <= 0:
            return None
        known = len(self.history.counts)

        def closed(x: int) -> bool:
            on = self.history.date_of(x)
            if on in special:
                return special[on] == 0
            return x < known and bool(self.history.counts[x].sum() <= 0)

        key = self._calendar_key(row, closed)
        calendar = self.calendar.get(key, 1.0) if key is not None else 1.0
        return float(self.level * factor * calendar)

    def _previous_open_day_closed(self, row: int, closed: Callable[[int], bool]) -> bool:
        back = row - 1
        while back >= 0 and self._dow(back) not in self.open_weekdays:
            back -= 1
        return back >= 0 and closed(back)

    def _calendar_key(self, row: int, closed: Callable[[int], bool]) -> int | None:
        """AFTER_CLOSURE, a turn-of-month position, or None for a plain day."""
        if self._previous_open_day_closed(row, closed):
            return AFTER_CLOSURE
        on = self.history.date_of(row)
        usual = self.open_weekdays
        first = on.replace(day=1)
        position = sum(1 for k in range(on.day) if (first + timedelta(days=k)).weekday() in usual)
        if position in TURN_OF_MONTH:
            return position
        ahead = on + timedelta(days=1)
        while ahead.weekday() not in usual:
            ahead += timedelta(days=1)
        if ahead.month != on.month and -1 in TURN_OF_MONTH:
            return -1
        return None


def _level_at(
    rows: NDArray[np.int64], values: NDArray[np.float64], now: int, days: int, half_life: float
) -> float | None:
    """Weighted mean of the last ``days`` values before row ``now``, outliers left out."""
    before = rows < now
    rows, values = rows[before][-days:], values[before][-days:]
    if len(rows) < 3:
        return None
    keep = np.abs(values / float(np.median(values)) - 1) <= LEVEL_OUTLIER
    weights = 0.5 ** ((now - rows[keep]) / half_life)
    return float((values[keep] * weights).sum() / weights.sum())


def _choose_level(rows: NDArray[np.int64], values: NDArray[np.float64], now: int) -> float | None:
    """The level of the LEVEL_CHOICES window that forecast the last LEVEL_CHECK_DAYS plain
    days best a week ahead: short windows where volume is large and moves, long ones
    where Poisson noise dominates (small centres)."""
    best: tuple[float, float | None] = (float("inf"), None)
    for days, half_life in LEVEL_CHOICES:
        errors = []
        for row, value in zip(rows[-LEVEL_CHECK_DAYS:], values[-LEVEL_CHECK_DAYS:], strict=True):
            guess = _level_at(rows, values, int(row) - 6, days, half_life)
            if guess is not None:
                errors.append(abs(guess / value - 1))
        level = _level_at(rows, values, now, days, half_life)
        score = float(np.mean(errors)) if len(errors) >= 5 else float("inf")
        if level is not None and (best[1] is None or score < best[0]):
            best = (score, level)
    return best[1]


def _open_weekdays(history: DayGrid, totals: NDArray[np.float64]) -> frozenset[int]:
    """Weekdays with contacts on most of their days in the last ``WEEKDAY_WEEKS`` weeks."""
    start = max(0, len(totals) - 7 * WEEKDAY_WEEKS)
    seen: dict[int, list[bool]] = {}
    for r in range(start, len(totals)):
        seen.setdefault(history.date_of(r).weekday(), []).append(bool(totals[r] > 0))
    return frozenset(w for w, flags in seen.items() if sum(flags) * 2 > len(flags))


def _weekday_factors(
    history: DayGrid, totals: NDArray[np.float64], skip: set[int], open_days: frozenset[int]
) -> NDArray[np.float64]:
    """Median ratio of each weekday's total to its week's mean open day, mean 1."""
    start = max(0, len(totals) - 7 * WEEKDAY_WEEKS)
    ratios: dict[int, list[float]] = {}
    for r in range(start, len(totals)):
        if totals[r] <= 0 or r in skip:
            continue
        monday = r - history.date_of(r).weekday()
        week = [
            x
            for x in range(max(0, monday), min(len(totals), monday + 7))
            if totals[x] > 0 and x not in skip
        ]
        if len(week) * 5 >= len(open_days) * 4:
            ratios.setdefault(history.date_of(r).weekday(), []).append(
                totals[r] / float(np.mean(totals[week]))
            )
    factors = np.zeros(7)
    for w in open_days:
        factors[w] = float(np.median(ratios[w])) if ratios.get(w) else 1.0
    if factors.sum() > 0:
        factors *= len(open_days) / factors.sum()
    return factors


def _plausible(row: int, totals: NDArray[np.float64], skip: set[int]) -> bool:
    """At least OUTLIER_SHARE of the median of ``row`` and its earlier same weekdays."""
    rows = [row, *_same_weekday(row, totals, skip, 4, len(totals))]
    return bool(totals[row] >= OUTLIER_SHARE * float(np.median(totals[rows])))


def _ordinary(row: int, totals: NDArray[np.float64], skip: set[int], wanted: int) -> list[int]:
    candidates = _same_weekday(row, totals, skip, wanted + 4, len(totals))
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
