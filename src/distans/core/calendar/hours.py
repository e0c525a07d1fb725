"""Building blocks of opening hours: a time range within a day and a day override.

A :class:`TimeRange` is local wall-clock time, in minutes after midnight, half-open
``[start, end)``; ``end`` may be 1440 ("24:00") so a range can run to midnight. Ranges
that touch across midnight (``18:00–24:00`` then ``00:00–06:00``) are merged by the
calendar into one opening interval.
"""

from dataclasses import dataclass
from datetime import date

from distans.core.errors import InvalidInput

MINUTES_PER_DAY = 24 * 60


def parse_wall_minutes(text: str) -> int:
    """Return minutes after midnight for ``"HH:MM"`` (``"24:00"`` allowed for end of day)."""
    try:
        hours_text, minutes_text = text.strip().split(":")
        hours, minutes = int(hours_text), int(minutes_text)
    except ValueError:
        raise InvalidInput(f"Time {text!r} is not in HH:MM form.") from None
    total = hours * 60 + minutes
    if not (0 <= minutes < 60 and 0 <= total <= MINUTES_PER_DAY):
        raise InvalidInput(f"Time {text!r} is outside 00:00–24:00.")
    return total


@dataclass(frozen=True, slots=True, order=True)
class TimeRange:
    """Local wall-clock opening ``[start_minute, end_minute)`` within one day."""

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise InvalidInput(
                f"Opening range {self.start_minute}–{self.end_minute} min must satisfy "
                "0 <= start < end <= 1440."
            )

    @classmethod
    def of(cls, start: str, end: str) -> "TimeRange":
        """Build a range from ``"HH:MM"`` strings, e.g. ``TimeRange.of("08:00", "17:00")``."""
        return cls(parse_wall_minutes(start), parse_wall_minutes(end))

    def __str__(self) -> str:
        return (
            f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}–"
            f"{self.end_minute // 60:02d}:{self.end_minute % 60:02d}"
        )


def normalise_ranges(ranges: tuple[TimeRange, ...]) -> tuple[TimeRange, ...]:
    """Return ``ranges`` sorted with overlapping or touching ranges merged."""
    merged: list[TimeRange] = []
    for current in sorted(ranges):
        if merged and current.start_minute <= merged[-1].end_minute:
            last = merged[-1]
            merged[-1] = TimeRange(last.start_minute, max(last.end_minute, current.end_minute))
        else:
            merged.append(current)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class DayOverride:
    """An ad-hoc day: closed (no ``ranges``) or open with its own hours; beats holidays."""

    on: date
    ranges: tuple[TimeRange, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class DayHours:
    """The hours that apply on one local date and why (``weekly``, ``holiday``, ``override``)."""

    on: date
    ranges: tuple[TimeRange, ...]
    source: str
    name: str = ""
