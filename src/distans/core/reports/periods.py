"""Report periods in the organisation's time zone: 15 minutes, hour, day, week, month.

Every period is identified by its start as a **UTC** instant. Local wall times are not
unique keys: on the autumn DST day 02:00–03:00 happens twice in Europe/Stockholm, and
Python compares two aware datetimes of the same zone by wall time, ignoring ``fold``.
A 15-minute interval is the UTC instant floored to 15 minutes; because every time zone
in use today has an offset that is a multiple of 15 minutes, these are also the local
quarter hours. Hours, days, ISO weeks (starting Monday) and calendar months are
floored in local time with :mod:`zoneinfo` and converted back to UTC, so a day is 23,
24 or 25 hours long as the calendar says (92, 96 or 100 intervals).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from distans.core.errors import InvalidInput

INTERVAL = timedelta(minutes=15)


class Granularity(StrEnum):
    """The period lengths a report can use."""

    INTERVAL = "interval"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("report times must be timezone-aware")


def interval_start(at: datetime) -> datetime:
    """The UTC start of the 15-minute interval that contains ``at``."""
    _require_aware(at)
    utc = at.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which local ``day`` begins.

    fold=0 picks the first of two ambiguous midnights; a midnight that does not exist
    (a DST jump at 00:00) maps to the moment of the jump, which is when the day begins.
    """
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period_start(at: datetime, granularity: Granularity, zone: ZoneInfo) -> datetime:
    """The UTC start of the ``granularity`` period, in ``zone``, that contains ``at``."""
    if granularity is Granularity.INTERVAL:
        return interval_start(at)
    _require_aware(at)
    local = at.astimezone(zone)
    if granularity is Granularity.HOUR:
        # astimezone sets fold, and replace keeps it: the repeated 02:00 hour stays apart.
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    day = local.date()
    if granularity is Granularity.DAY:
        return _local_midnight(day, zone)
    if granularity is Granularity.WEEK:
        return _local_midnight(day - timedelta(days=day.weekday()), zone)
    return _local_midnight(day.replace(day=1), zone)


def period_end(start: datetime, granularity: Granularity, zone: ZoneInfo) -> datetime:
    """The UTC end (exclusive) of the period that begins at ``start``."""
    if granularity is Granularity.INTERVAL:
        return start + INTERVAL
    if granularity is Granularity.HOUR:
        return start + timedelta(hours=1)
    day = start.astimezone(zone).date()
    if granularity is Granularity.DAY:
        return _local_midnight(day + timedelta(days=1), zone)
    if granularity is Granularity.WEEK:
        return _local_midnight(day + timedelta(days=7), zone)
    if day.month == 12:
        return _local_midnight(date(day.year + 1, 1, 1), zone)
    return _local_midnight(date(day.year, day.month + 1, 1), zone)


def intervals_in_period(
    start: datetime, granularity: Granularity, zone: ZoneInfo
) -> list[datetime]:
    """The UTC starts of the 15-minute intervals in the period beginning at ``start``."""
    end = period_end(start, granularity, zone)
    starts = []
    current = start
    while current < end:
        starts.append(current)
        current += INTERVAL
    return starts


def periods_between(
    first: datetime, last: datetime, granularity: Granularity, zone: ZoneInfo
) -> Iterator[datetime]:
    """UTC starts of every period from the one holding ``first`` to the one holding ``last``.

    Use it to list empty periods too (a report row per period, even with no contacts).
    """
    current = period_start(first, granularity, zone)
    while current <= last:
        yield current
        current = period_end(current, granularity, zone)


def split_into_intervals(
    started_at: datetime, ended_at: datetime
) -> Iterator[tuple[datetime, int]]:
    """Split ``[started_at, ended_at)`` into (interval start, milliseconds) pieces."""
    _require_aware(started_at)
    _require_aware(ended_at)
    current = started_at.astimezone(UTC)
    end = ended_at.astimezone(UTC)
    while current < end:
        boundary = interval_start(current) + INTERVAL
        piece_end = min(boundary, end)
        yield interval_start(current), (piece_end - current) // timedelta(milliseconds=1)
        current = piece_end


def local_label(start: datetime, granularity: Granularity, zone: ZoneInfo) -> str:
    """A human/JSON label for a period: ISO local start (with offset) or date, week, month.

    Intervals and hours keep the UTC offset so the two 02:00 hours of the autumn DST
    day are told apart; days are ``YYYY-MM-DD``, weeks ``YYYY-Www``, months ``YYYY-MM``.
    """
    local = start.astimezone(zone)
    if granularity in (Granularity.INTERVAL, Granularity.HOUR):
        return local.isoformat(timespec="minutes")
    if granularity is Granularity.DAY:
        return local.date().isoformat()
    if granularity is Granularity.WEEK:
        year, week, _ = local.date().isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year:04d}-{local.month:02d}"
