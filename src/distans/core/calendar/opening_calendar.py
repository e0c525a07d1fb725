"""The one opening-hours model used by every channel and queue.

Precedence for a local date (highest first): an ad-hoc :class:`DayOverride` (closed,
or open with its own hours) > a public holiday of the built-in country calendar
(closed unless ``holiday_hours`` gives hours for its key) > the weekly hours of the
weekday. Everything is evaluated in the organisation's zone from timezone-aware
instants; returned instants are UTC. DST semantics: see local_time.py.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from distans.core.calendar.holidays import Holiday, holidays_for
from distans.core.calendar.hours import DayHours, DayOverride, TimeRange, normalise_ranges
from distans.core.calendar.local_time import Interval, day_intervals_utc, merge_intervals
from distans.core.errors import InvalidInput

WHOLE_DAY = (TimeRange(0, 24 * 60),)
DEFAULT_HORIZON_DAYS = 2 * 366


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("Times given to the calendar must be timezone-aware.")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class OpeningCalendar:
    """Weekly hours < public holidays < ad-hoc days, in ``time_zone``.

    ``weekly`` maps weekday (Monday = 0 … Sunday = 6) to that day's ranges (several
    allowed, e.g. 08:00–12:00 and 13:00–17:00); a missing weekday is closed.
    ``holiday_country`` is ``"SE"``, ``"NO"`` or ``None`` (no holidays).
    ``holiday_hours`` maps a holiday key (``"se_julafton"``) to hours for that holiday;
    holidays not listed are closed. ``overrides`` maps a date to a :class:`DayOverride`.
    """

    weekly: Mapping[int, tuple[TimeRange, ...]]
    time_zone: str = "Europe/Stockholm"
    holiday_country: str | None = "SE"
    holiday_hours: Mapping[str, tuple[TimeRange, ...]] = field(default_factory=dict)
    overrides: Mapping[date, DayOverride] = field(default_factory=dict)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _holiday_cache: dict[int, dict[date, Holiday]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _interval_cache: dict[date, tuple[Interval, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"Unknown time zone {self.time_zone!r}.") from None
        object.__setattr__(self, "_zone", zone)
        for weekday in self.weekly:
            if not 0 <= weekday <= 6:
                raise InvalidInput(f"Weekday {weekday} must be 0 (Monday) to 6 (Sunday).")
        if self.holiday_country is not None:
            holidays_for(self.holiday_country, 2000)  # validates the country code

    @classmethod
    def always_open(cls, time_zone: str = "Europe/Stockholm") -> "OpeningCalendar":
        """Return a calendar open around the clock every day, holidays included."""
        return cls(
            weekly={d: WHOLE_DAY for d in range(7)}, time_zone=time_zone, holiday_country=None
        )

    @property
    def zone(self) -> ZoneInfo:
        """The organisation's zone as a ``ZoneInfo``."""
        return self._zone

    def holiday_on(self, day: date) -> Holiday | None:
        """Return the built-in public holiday on local ``day``, if any."""
        if self.holiday_country is None:
            return None
        by_date = self._holiday_cache.get(day.year)
        if by_date is None:
            by_date = {h.on: h for h in holidays_for(self.holiday_country, day.year)}
            self._holiday_cache[day.year] = by_date
        return by_date.get(day)

    def hours_on(self, day: date) -> DayHours:
        """Return the ranges that apply on local ``day`` and which rule chose them."""
        override = self.overrides.get(day)
        if override is not None:
            return DayHours(day, normalise_ranges(override.ranges), "override", override.note)
        holiday = self.holiday_on(day)
        if holiday is not None:
            ranges = normalise_ranges(self.holiday_hours.get(holiday.key, ()))
            return DayHours(day, ranges, "holiday", holiday.name)
        return DayHours(day, normalise_ranges(self.weekly.get(day.weekday(), ())), "weekly")

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """Return the UTC opening intervals of local ``day`` (cached per date)."""
        cached = self._interval_cache.get(day)
        if cached is None:
            cached = tuple(day_intervals_utc(day, self.hours_on(day).ranges, self._zone))
            self._interval_cache[day] = cached
        return cached

    def opening_intervals(self, first_day: date, last_day: date) -> list[Interval]:
        """Return merged UTC opening intervals of local dates ``first_day``..``last_day`` inclusive."""
        if last_day < first_day:
            raise InvalidInput("The last day of the range comes before the first day.")
        pieces: list[Interval] = []
        day = first_day
        while day <= last_day:
            pieces.extend(self.intervals_on(day))
            day += timedelta(days=1)
        return merge_intervals(pieces)

    def is_open(self, at: datetime) -> bool:
        """Return whether the calendar is open at the aware instant ``at``."""
        at_utc = _require_aware(at)
        day = at_utc.astimezone(self._zone).date()
        return any(start <= at_utc < end for start, end in self.intervals_on(day))

    def _merged_from(self, day: date, horizon_days: int) -> Iterator[Interval]:
        """Yield merged opening intervals from local ``day`` on, joined across midnights."""
        current: Interval | None = None
        for offset in range(horizon_days + 1):
            for start, end in self.intervals_on(day + timedelta(days=offset)):
                if current is not None and start <= current[1]:
                    current = (current[0], max(current[1], end))
                    continue
                if current is not None:
                    yield current
                current = (start, end)
        if current is not None:
            yield current

    def next_opening(
        self, at: datetime, horizon_days: int = DEFAULT_HORIZON_DAYS
    ) -> datetime | None:
        """Return the first instant >= ``at`` at which it is open (``at`` itself if open now).

        ``None`` if it never opens within ``horizon_days``.
        """
        at_utc = _require_aware(at)
        day = at_utc.astimezone(self._zone).date() - timedelta(days=1)
        for start, end in self._merged_from(day, horizon_days):
            if end > at_utc:
                return max(start, at_utc)
        return None

    def next_closing(
        self, at: datetime, horizon_days: int = DEFAULT_HORIZON_DAYS
    ) -> datetime | None:
        """Return the first instant >= ``at`` at which it is closed (``at`` itself if closed now).

        ``None`` if it stays open for the whole ``horizon_days``.
        """
        at_utc = _require_aware(at)
        day = at_utc.astimezone(self._zone).date() - timedelta(days=1)
        last_end: datetime | None = None
        for start, end in self._merged_from(day, horizon_days):
            if end <= at_utc:
                continue
            if start > at_utc:
                return at_utc
            last_end = end
            break
        if last_end is None:
            return at_utc
        horizon_end = datetime.combine(
            day + timedelta(days=horizon_days), datetime.min.time(), self._zone
        )
        return None if last_end >= horizon_end.astimezone(UTC) else last_end
