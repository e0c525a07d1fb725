"""Which appointment slots a service can offer.

A slot is ``[start, start + duration)`` inside one opening interval of the one opening
calendar (:class:`~distans.core.calendar.OpeningCalendar`: weekly hours < public
holidays < ad-hoc days), starting at the interval's start and every ``step`` minutes
after it (by default duration + buffer). A slot is offered when

- it starts at least ``min_notice_minutes`` after *now* and on a local date no later
  than ``horizon_days`` after today;
- its local date is not a closed day (a site's "close this day");
- it has places left: ``capacity_per_slot`` minus the service's bookings overlapping
  it, and at most what ``capacity_per_day`` leaves of that local day;
- when the service is staffed (``staff_windows`` given), someone can take it: a person
  already serving the slot (a group slot), or a person whose working windows (shifts
  minus breaks) cover the whole slot and who has no other booking within the buffer
  on either side.

Everything is UTC instants in, UTC instants out; local dates come from the calendar's
zone. Nothing here touches a database: the caller passes what is booked, and must
hold a lock while it re-checks a slot and books it (see docs/dev/visits.md).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from distans.core.calendar import OpeningCalendar
from distans.core.errors import InvalidInput

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class ServiceRules:
    """How a service books: lengths in minutes, capacities in visitors."""

    duration_minutes: int
    buffer_minutes: int = 0
    min_notice_minutes: int = 0
    horizon_days: int = 30
    capacity_per_slot: int = 1
    capacity_per_day: int | None = None
    step_minutes: int | None = None

    def __post_init__(self) -> None:
        if not 5 <= self.duration_minutes <= 8 * 60:
            raise InvalidInput("A visit lasts from 5 minutes to 8 hours.")
        if not 0 <= self.buffer_minutes <= 4 * 60:
            raise InvalidInput("The buffer must be 0 to 240 minutes.")
        if self.min_notice_minutes < 0:
            raise InvalidInput("The minimum notice cannot be negative.")
        if not 0 <= self.horizon_days <= 366:
            raise InvalidInput("The booking horizon must be 0 to 366 days.")
        if self.capacity_per_slot < 1:
            raise InvalidInput("A slot takes at least one visitor.")
        if self.capacity_per_day is not None and self.capacity_per_day < 1:
            raise InvalidInput("A day takes at least one visitor.")
        if self.step_minutes is not None and self.step_minutes < 5:
            raise InvalidInput("Slots start at least 5 minutes apart.")

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.step_minutes or self.duration_minutes + self.buffer_minutes)


@dataclass(frozen=True, slots=True)
class Booked:
    """A booking that is not cancelled: of this service (``same_service``) or another
    one whose staff member (``staff_id``) it occupies."""

    starts_at: datetime
    ends_at: datetime
    staff_id: str | None = None
    same_service: bool = True


@dataclass(frozen=True, slots=True)
class Slot:
    """An offered slot: its places left and who could take a new booking in it
    (whoever already serves it first, then the least busy that day)."""

    starts_at: datetime
    ends_at: datetime
    places: int
    staff: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The slot's start as text, as forms carry it (``2026-12-08T09:00:00+00:00``)."""
        return self.starts_at.isoformat()


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("Times given to the slot computation must be timezone-aware.")
    return moment.astimezone(UTC)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def _covered(windows: Sequence[Interval], start: datetime, end: datetime) -> bool:
    return any(w_start <= start and end <= w_end for w_start, w_end in windows)


def compute_slots(
    rules: ServiceRules,
    calendar: OpeningCalendar,
    now: datetime,
    *,
    booked: Sequence[Booked] = (),
    staff_windows: Mapping[str, Sequence[Interval]] | None = None,
    closed_days: Collection[date] = (),
    first_day: date | None = None,
    last_day: date | None = None,
) -> list[Slot]:
    """The slots offered from ``first_day`` to ``last_day`` (local dates, clipped to
    today … today + horizon), in time order. ``staff_windows=None``: the service is
    not bound to named staff (only the calendar and the capacities count)."""
    now = _aware(now)
    zone = calendar.zone
    today = now.astimezone(zone).date()
    first = max(first_day or today, today)
    last = min(last_day or today + timedelta(days=rules.horizon_days),
               today + timedelta(days=rules.horizon_days))  # fmt: skip
    earliest = now + timedelta(minutes=rules.min_notice_minutes)
    windows = {
        sid: [(_aware(s), _aware(e)) for s, e in w] for sid, w in (staff_windows or {}).items()
    }
    bookings = [
        Booked(_aware(b.starts_at), _aware(b.ends_at), b.staff_id, b.same_service) for b in booked
    ]
    own = [b for b in bookings if b.same_service]
    # Per local date (a visit spanning midnight under both), so a slot looks only at
    # its own day's visits: a week of slots stays linear in the bookings.
    own_by_day: dict[date, list[Booked]] = {}
    staff_by_day: dict[date, list[Booked]] = {}
    for b in bookings:
        first_date = b.starts_at.astimezone(zone).date()
        last_date = b.ends_at.astimezone(zone).date()
        for on in {first_date, last_date}:
            if b.same_service:
                own_by_day.setdefault(on, []).append(b)
            if b.staff_id:
                staff_by_day.setdefault(on, []).append(b)
    per_day = Counter(b.starts_at.astimezone(zone).date() for b in own)
    staff_day_load: Counter[tuple[str, date]] = Counter(
        (b.staff_id, b.starts_at.astimezone(zone).date()) for b in bookings if b.staff_id
    )
    slots: list[Slot] = []
    day = first
    while day <= last:
        if day in closed_days:
            day += timedelta(days=1)
            continue
        day_left = None if rules.capacity_per_day is None else rules.capacity_per_day - per_day[day]
        if day_left is not None and day_left <= 0:
            day += timedelta(days=1)
            continue
        for open_start, open_end in calendar.intervals_on(day):
            start = open_start
            while start + rules.duration <= open_end:
                slot = _slot(rules, start, earliest, own_by_day.get(day, []),
                             staff_by_day.get(day, []), windows, staff_windows,
                             day_left, staff_day_load, day)  # fmt: skip
                if slot is not None:
                    slots.append(slot)
                start += rules.step
        day += timedelta(days=1)
    return slots


def _slot(
    rules: ServiceRules,
    start: datetime,
    earliest: datetime,
    own: list[Booked],
    bookings: list[Booked],
    windows: dict[str, list[Interval]],
    staff_windows: Mapping[str, Sequence[Interval]] | None,
    day_left: int | None,
    staff_day_load: Counter[tuple[str, date]],
    day: date,
) -> Slot | None:
    if start < earliest:
        return None
    end = start + rules.duration
    in_slot = [b for b in own if _overlaps(b.starts_at, b.ends_at, start, end)]
    places = rules.capacity_per_slot - len(in_slot)
    if day_left is not None:
        places = min(places, day_left)
    if places <= 0:
        return None
    if staff_windows is None:
        return Slot(start, end, places)
    serving = sorted(
        {b.staff_id for b in in_slot if b.staff_id and b.starts_at == start and b.ends_at == end}
    )
    guard_start, guard_end = start - rules.buffer, end + rules.buffer
    free = [
        sid
        for sid in windows
        if sid not in serving
        and _covered(windows[sid], start, end)
        and not any(
            b.staff_id == sid and _overlaps(b.starts_at, b.ends_at, guard_start, guard_end)
            for b in bookings
        )
    ]
    free.sort(key=lambda sid: (staff_day_load[(sid, day)], sid))
    staff = (*serving, *free)
    if not staff:
        return None
    return Slot(start, end, places, staff)


def choose_staff(slot: Slot) -> str | None:
    """Who takes a new booking in ``slot``: whoever serves it, else the least busy."""
    return slot.staff[0] if slot.staff else None


def day_load(
    visits: Sequence[tuple[datetime, datetime, str]],
    day_start: datetime,
    interval_minutes: int,
    intervals: int,
) -> list[int]:
    """Staff that booked visits occupy per interval from ``day_start``: each distinct
    key (a staff member, or a visit without one) overlapping the interval counts once,
    so a group slot with one host counts as one person."""
    if interval_minutes <= 0 or intervals <= 0:
        raise InvalidInput("Intervals must be positive.")
    start = _aware(day_start)
    step = timedelta(minutes=interval_minutes)
    keys: list[set[str]] = [set() for _ in range(intervals)]
    for visit_start, visit_end, key in visits:
        first = max(0, int((_aware(visit_start) - start) / step))
        last = min(intervals, math.ceil((_aware(visit_end) - start) / step))
        for index in range(first, last):
            if _overlaps(start + index * step, start + (index + 1) * step,
                         _aware(visit_start), _aware(visit_end)):  # fmt: skip
                keys[index].add(key)
    return [len(k) for k in keys]
