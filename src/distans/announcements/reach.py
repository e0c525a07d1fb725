"""Reach against the roster, as plain data in and numbers out (no Django here).

Of the people working today (a shift today in a published schedule) who were meant to
get an announcement, how many acknowledged it, and how many within ``window`` of their
reference time: their shift's start, or the sending when they were already on shift.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

WINDOW = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Reach:
    working: int
    acknowledged: int
    in_time: int

    @property
    def percent_in_time(self) -> int | None:
        return round(100 * self.in_time / self.working) if self.working else None

    @property
    def percent_acknowledged(self) -> int | None:
        return round(100 * self.acknowledged / self.working) if self.working else None


def compute_reach(
    sent_at: dt.datetime,
    acknowledged: Mapping[int, dt.datetime | None],
    shift_starts: Mapping[int, dt.datetime],
    people: Iterable[int] | None = None,
    window: dt.timedelta = WINDOW,
) -> Reach:
    """``acknowledged``: person → acknowledgement time (None: not yet) for every
    recipient; ``shift_starts``: person → start of today's first shift, for people
    working today; ``people``: only these (a team), default every recipient."""
    working = acknowledged_count = in_time = 0
    for person in acknowledged.keys() if people is None else people:
        start = shift_starts.get(person)
        if start is None or person not in acknowledged:
            continue
        working += 1
        at = acknowledged[person]
        if at is None:
            continue
        acknowledged_count += 1
        if at <= max(start, sent_at) + window:
            in_time += 1
    return Reach(working, acknowledged_count, in_time)
