"""Turn local wall-clock ranges of one date into exact UTC intervals, DST included.

Semantics: the calendar is open at instant ``t`` iff the local wall clock at ``t`` (in
the organisation's zone) lies in one of the day's ranges. On the spring change a range
inside the missing hour (02:00–03:00 in Europe/Stockholm) is therefore empty, and a
range across it is one hour shorter in real time; on the autumn change a range inside
the repeated hour yields two pieces and a range across it is one hour longer.

Method: the UTC offset is read at both local midnights of the date. If it is the same,
``utc = wall - offset``. If not, the transition instant is found by bisection on UTC
seconds, and each range is mapped with the old offset before it and the new offset
after it. (Assumes at most one offset change per local day, true for every zone in use.)
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from distans.core.calendar.hours import TimeRange

Interval = tuple[datetime, datetime]


def _offset_at_utc(instant: datetime, zone: ZoneInfo) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _offset_at_wall(wall: datetime, zone: ZoneInfo) -> timedelta:
    offset = wall.replace(tzinfo=zone).utcoffset()
    assert offset is not None
    return offset


def _transition_between(low: datetime, high: datetime, zone: ZoneInfo) -> datetime:
    """Return the first UTC instant in ``(low, high]`` whose offset differs from ``low``'s."""
    before = _offset_at_utc(low, zone)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if _offset_at_utc(middle, zone) == before:
            low = middle
        else:
            high = middle
    return high


def _clip(
    start: datetime, end: datetime, low: datetime | None, high: datetime | None
) -> Interval | None:
    if low is not None and start < low:
        start = low
    if high is not None and end > high:
        end = high
    return (start, end) if start < end else None


def merge_intervals(intervals: list[Interval]) -> list[Interval]:
    """Return sorted ``intervals`` with overlapping or touching ones merged."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def day_intervals_utc(day: date, ranges: tuple[TimeRange, ...], zone: ZoneInfo) -> list[Interval]:
    """Return the UTC intervals during which the wall clock of ``day`` is in ``ranges``."""
    if not ranges:
        return []
    midnight = datetime.combine(day, time(0))  # wall clock; zone applied below
    next_midnight = midnight + timedelta(days=1)
    offset_start = _offset_at_wall(midnight, zone)
    offset_end = _offset_at_wall(next_midnight, zone)
    pieces: list[Interval] = []
    if offset_start == offset_end:
        for r in ranges:
            start = (midnight + timedelta(minutes=r.start_minute) - offset_start).replace(
                tzinfo=UTC
            )
            end = (midnight + timedelta(minutes=r.end_minute) - offset_start).replace(tzinfo=UTC)
            pieces.append((start, end))
        return merge_intervals(pieces)
    low = (midnight - offset_start).replace(tzinfo=UTC)
    high = (next_midnight - offset_end).replace(tzinfo=UTC)
    change = _transition_between(low, high, zone)
    for r in ranges:
        for offset, lower, upper in ((offset_start, None, change), (offset_end, change, None)):
            start = (midnight + timedelta(minutes=r.start_minute) - offset).replace(tzinfo=UTC)
            end = (midnight + timedelta(minutes=r.end_minute) - offset).replace(tzinfo=UTC)
            piece = _clip(start, end, lower, upper)
            if piece is not None:
                pieces.append(piece)
    return merge_intervals(pieces)
