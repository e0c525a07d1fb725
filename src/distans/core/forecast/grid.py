"""Contacts as a day × interval grid in local wall-clock time.

Row d is the local date ``first_date + d``; column s the interval starting
``s × interval_minutes`` after local midnight. Arrivals are bucketed by their local
wall-clock time (on the autumn DST night the repeated hour lands in the same cells).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from distans.core.errors import InvalidInput


@dataclass(frozen=True)
class DayGrid:
    """Contact counts, shape (days, intervals per day), from ``first_date`` on."""

    first_date: date
    interval_minutes: int
    counts: NDArray[np.float64]

    @property
    def slots(self) -> int:
        """Intervals per day."""
        return 1440 // self.interval_minutes

    def day_index(self, day: date) -> int:
        """Row of ``day`` (may be outside the grid)."""
        return (day - self.first_date).days

    def date_of(self, row: int) -> date:
        """Local date of row ``row``."""
        return self.first_date + timedelta(days=row)


def check_interval(interval_minutes: int) -> None:
    """Raise InvalidInput unless the interval divides a day into whole intervals."""
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise InvalidInput(f"interval of {interval_minutes} min does not divide a day")


def grid_from_counts(cells: Iterable[tuple[date, int, float]], interval_minutes: int) -> DayGrid:
    """Build a grid from (local date, interval index, count) cells; cells add up."""
    check_interval(interval_minutes)
    listed = list(cells)
    if not listed:
        raise InvalidInput("the history holds no contacts")
    first = min(c[0] for c in listed)
    last = max(c[0] for c in listed)
    counts = np.zeros(((last - first).days + 1, 1440 // interval_minutes))
    for day, slot, count in listed:
        counts[(day - first).days, slot] += count
    return DayGrid(first, interval_minutes, counts)


def grid_from_arrivals(
    arrived_at: Iterable[datetime], interval_minutes: int, zone: ZoneInfo
) -> DayGrid:
    """Count timezone-aware arrivals per local interval."""
    cells = []
    for moment in arrived_at:
        if moment.tzinfo is None:
            raise InvalidInput("arrival times must carry a time zone")
        local = moment.astimezone(zone)
        cells.append((local.date(), (local.hour * 60 + local.minute) // interval_minutes, 1.0))
    return grid_from_counts(cells, interval_minutes)


def interval_start(day: date, slot: int, interval_minutes: int, zone: ZoneInfo) -> datetime:
    """Timezone-aware start of interval ``slot`` on local ``day``."""
    minutes = slot * interval_minutes
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
