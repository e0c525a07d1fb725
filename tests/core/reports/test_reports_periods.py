"""Periods in the organisation's zone: DST days, ISO weeks, months, labels."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from distans.core.errors import InvalidInput
from distans.core.reports import Granularity, intervals_in_period, period_end, period_start
from distans.core.reports.periods import local_label, periods_between, split_into_intervals
from distans.core.reports.report import local_date_range

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def day_start(day: date) -> datetime:
    return period_start(
        datetime(day.year, day.month, day.day, 12, tzinfo=STOCKHOLM), Granularity.DAY, STOCKHOLM
    )


@pytest.mark.parametrize(
    ("day", "intervals", "hours"),
    [
        (date(2026, 3, 29), 92, 23),  # clocks go forward 02:00 -> 03:00
        (date(2026, 10, 25), 100, 25),  # clocks go back 03:00 -> 02:00
        (date(2026, 10, 26), 96, 24),
    ],
)
def test_dst_days_have_the_right_number_of_intervals(day: date, intervals: int, hours: int) -> None:
    start = day_start(day)
    assert len(intervals_in_period(start, Granularity.DAY, STOCKHOLM)) == intervals
    assert period_end(start, Granularity.DAY, STOCKHOLM) - start == timedelta(hours=hours)
    assert start.astimezone(STOCKHOLM).replace(tzinfo=None) == datetime(
        day.year, day.month, day.day
    )


def test_repeated_autumn_hour_is_two_periods() -> None:
    first = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM, fold=0)  # 00:30 UTC
    second = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM, fold=1)  # 01:30 UTC
    hour_1 = period_start(first, Granularity.HOUR, STOCKHOLM)
    hour_2 = period_start(second, Granularity.HOUR, STOCKHOLM)
    assert hour_1 == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert hour_2 == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert local_label(hour_1, Granularity.HOUR, STOCKHOLM) == "2026-10-25T02:00+02:00"
    assert local_label(hour_2, Granularity.HOUR, STOCKHOLM) == "2026-10-25T02:00+01:00"
    hours = list(
        periods_between(day_start(date(2026, 10, 25)), hour_2, Granularity.HOUR, STOCKHOLM)
    )
    assert len(hours) == 4  # 00, 01, 02 (+02:00), 02 (+01:00)


def test_interval_floor() -> None:
    at = datetime(2026, 3, 2, 8, 29, 59, 999999, tzinfo=STOCKHOLM)
    assert period_start(at, Granularity.INTERVAL, STOCKHOLM) == datetime(
        2026, 3, 2, 7, 15, tzinfo=UTC
    )


def test_iso_week_starts_monday_local_midnight() -> None:
    # Sunday 2026-03-29 23:30 local belongs to the week of Monday 2026-03-23 (still +01:00)
    at = datetime(2026, 3, 29, 23, 30, tzinfo=STOCKHOLM)
    start = period_start(at, Granularity.WEEK, STOCKHOLM)
    assert start == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    assert local_label(start, Granularity.WEEK, STOCKHOLM) == "2026-W13"
    # that week is 7 days minus the lost hour
    assert period_end(start, Granularity.WEEK, STOCKHOLM) - start == timedelta(days=7, hours=-1)


def test_month_and_year_end() -> None:
    at = datetime(2026, 12, 31, 23, 59, tzinfo=STOCKHOLM)
    start = period_start(at, Granularity.MONTH, STOCKHOLM)
    assert start == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert period_end(start, Granularity.MONTH, STOCKHOLM) == datetime(
        2026, 12, 31, 23, 0, tzinfo=UTC
    )
    assert local_label(start, Granularity.MONTH, STOCKHOLM) == "2026-12"
    # 23:30 UTC on 31 December is already January in Stockholm
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert (
        local_label(
            period_start(new_year, Granularity.MONTH, STOCKHOLM), Granularity.MONTH, STOCKHOLM
        )
        == "2027-01"
    )


def test_half_hour_zone_hours_follow_local_clock() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    at = datetime(2026, 3, 2, 10, 20, tzinfo=UTC)  # 15:50 local
    assert period_start(at, Granularity.HOUR, kolkata) == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert period_start(at, Granularity.INTERVAL, kolkata).astimezone(kolkata).minute == 45


def test_split_span_into_intervals() -> None:
    pieces = list(
        split_into_intervals(
            datetime(2026, 3, 2, 8, 10, tzinfo=UTC), datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
        )
    )
    assert [(p.minute, ms // 60000) for p, ms in pieces] == [
        (0, 5),
        (15, 15),
        (30, 15),
        (45, 15),
        (0, 5),
    ]


def test_naive_time_is_refused() -> None:
    with pytest.raises(InvalidInput):
        period_start(datetime(2026, 3, 2, 8), Granularity.DAY, STOCKHOLM)


def test_local_date_range_covers_whole_local_days() -> None:
    start, end = local_date_range(date(2026, 10, 25), date(2026, 10, 25), STOCKHOLM)
    assert end - start == timedelta(hours=25)
    with pytest.raises(InvalidInput):
        local_date_range(date(2026, 10, 26), date(2026, 10, 25), STOCKHOLM)
