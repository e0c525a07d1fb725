"""Opening calendar: precedence, DST changes, midsummer, Christmas, next opening/closing."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.calendar import DayOverride, OpeningCalendar, TimeRange
from distans.core.errors import InvalidInput

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OFFICE = (TimeRange.of("08:00", "12:00"), TimeRange.of("13:00", "17:00"))


def office_calendar(**extra: object) -> OpeningCalendar:
    return OpeningCalendar(weekly={d: OFFICE for d in range(5)}, **extra)  # type: ignore[arg-type]


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=STOCKHOLM)  # type: ignore[misc]


def test_weekly_ranges_with_lunch_break() -> None:
    calendar = office_calendar()
    assert calendar.is_open(local(2026, 11, 23, 8, 0))
    assert not calendar.is_open(local(2026, 11, 23, 12, 30))
    assert calendar.is_open(local(2026, 11, 23, 16, 59))
    assert not calendar.is_open(local(2026, 11, 23, 17, 0))
    assert not calendar.is_open(local(2026, 11, 22, 10, 0))  # Sunday


def test_naive_time_is_refused() -> None:
    with pytest.raises(InvalidInput):
        office_calendar().is_open(datetime(2026, 11, 23, 10))


def test_midsummer_eve_and_day_are_closed_by_default() -> None:
    calendar = office_calendar()
    assert not calendar.is_open(local(2026, 6, 19, 10, 0))  # midsommarafton (Friday)
    assert calendar.hours_on(date(2026, 6, 19)).name == "Midsommarafton"
    # Thursday before is a normal day; next opening after midsummer is Monday 22 June.
    assert calendar.is_open(local(2026, 6, 18, 10, 0))
    assert calendar.next_opening(local(2026, 6, 18, 17, 0)) == local(2026, 6, 22, 8, 0)


def test_christmas_closed_and_next_opening_after_annandag() -> None:
    calendar = office_calendar()
    # Thu 24, Fri 25 closed (julafton, juldagen), Sat 26 annandag + weekend.
    assert calendar.next_opening(local(2026, 12, 23, 17, 0)) == local(2026, 12, 28, 8, 0)


def test_holiday_hours_can_open_a_holiday() -> None:
    calendar = office_calendar(holiday_hours={"se_julafton": (TimeRange.of("09:00", "12:00"),)})
    assert calendar.is_open(local(2026, 12, 24, 10, 0))
    assert not calendar.is_open(local(2026, 12, 24, 13, 0))


def test_override_beats_holiday_and_weekly() -> None:
    open_on_midsummer = DayOverride(date(2026, 6, 19), (TimeRange.of("10:00", "14:00"),), "Kampanj")
    closed_monday = DayOverride(date(2026, 11, 23), (), "Personaldag")
    calendar = office_calendar(
        overrides={open_on_midsummer.on: open_on_midsummer, closed_monday.on: closed_monday}
    )
    assert calendar.is_open(local(2026, 6, 19, 11, 0))
    assert not calendar.is_open(local(2026, 6, 19, 9, 0))
    assert calendar.hours_on(date(2026, 6, 19)).source == "override"
    assert not calendar.is_open(local(2026, 11, 23, 10, 0))


def test_norwegian_calendar_closes_17_mai() -> None:
    calendar = OpeningCalendar(
        weekly={d: OFFICE for d in range(7)}, time_zone="Europe/Oslo", holiday_country="NO"
    )
    assert not calendar.is_open(datetime(2026, 5, 17, 10, tzinfo=ZoneInfo("Europe/Oslo")))
    assert calendar.is_open(datetime(2026, 5, 18, 10, tzinfo=ZoneInfo("Europe/Oslo")))


def test_spring_forward_missing_hour_range_never_opens() -> None:
    # 2026-03-29 (last Sunday of March): 02:00 CET jumps to 03:00 CEST.
    calendar = OpeningCalendar(weekly={6: (TimeRange.of("02:00", "03:00"),)}, holiday_country=None)
    assert calendar.intervals_on(date(2026, 3, 29)) == ()
    # The same range on an ordinary Sunday is one real hour.
    (interval,) = calendar.intervals_on(date(2026, 3, 22))
    assert interval[1] - interval[0] == timedelta(hours=1)


def test_spring_forward_range_across_the_change_is_an_hour_shorter() -> None:
    calendar = OpeningCalendar(weekly={6: (TimeRange.of("01:00", "04:00"),)}, holiday_country=None)
    (interval,) = calendar.intervals_on(date(2026, 3, 29))
    assert interval == (
        datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 0, tzinfo=UTC),
    )


def test_fall_back_range_across_the_change_is_an_hour_longer() -> None:
    # 2026-10-25 (last Sunday of October): 03:00 CEST goes back to 02:00 CET.
    calendar = OpeningCalendar(weekly={6: (TimeRange.of("01:00", "04:00"),)}, holiday_country=None)
    (interval,) = calendar.intervals_on(date(2026, 10, 25))
    assert interval == (
        datetime(2026, 10, 24, 23, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 3, 0, tzinfo=UTC),
    )


def test_fall_back_range_inside_repeated_hour_opens_twice() -> None:
    calendar = OpeningCalendar(weekly={6: (TimeRange.of("02:00", "02:30"),)}, holiday_country=None)
    assert calendar.intervals_on(date(2026, 10, 25)) == (
        (datetime(2026, 10, 25, 0, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    )
    assert not calendar.is_open(datetime(2026, 10, 25, 0, 45, tzinfo=UTC))


def test_ranges_touching_midnight_merge_into_one_interval() -> None:
    night = {d: (TimeRange.of("00:00", "06:00"), TimeRange.of("18:00", "24:00")) for d in range(7)}
    calendar = OpeningCalendar(weekly=night, holiday_country=None)
    assert calendar.next_closing(local(2026, 11, 23, 20, 0)) == local(2026, 11, 24, 6, 0)
    assert calendar.next_opening(local(2026, 11, 23, 20, 0)) == local(2026, 11, 23, 20, 0)


def test_always_open_never_closes_and_closed_never_opens() -> None:
    at = local(2026, 11, 23, 3, 0)
    assert OpeningCalendar.always_open().next_closing(at) is None
    closed = OpeningCalendar(weekly={}, holiday_country=None)
    assert closed.next_opening(at, horizon_days=30) is None
    assert closed.next_closing(at) == at


def test_opening_intervals_for_a_week() -> None:
    intervals = office_calendar().opening_intervals(date(2026, 11, 23), date(2026, 11, 29))
    assert len(intervals) == 10  # five weekdays × two ranges
    assert intervals[0][0] == local(2026, 11, 23, 8, 0)


def wall_rule_is_open(calendar: OpeningCalendar, at: datetime) -> bool:
    """Reference semantics: open iff the local wall clock lies in that date's ranges."""
    wall = at.astimezone(calendar.zone)
    minute = wall.hour * 60 + wall.minute + wall.second / 60
    return any(
        r.start_minute <= minute < r.end_minute for r in calendar.hours_on(wall.date()).ranges
    )


ranges_strategy = st.lists(
    st.tuples(st.integers(0, 95), st.integers(1, 96)).filter(lambda p: p[0] < p[1]),
    max_size=3,
).map(lambda pairs: tuple(TimeRange(a * 15, b * 15) for a, b in pairs))


@settings(max_examples=150, deadline=None)
@given(
    weekly=st.dictionaries(st.integers(0, 6), ranges_strategy),
    offset_seconds=st.integers(0, 400 * 24 * 3600),
)
def test_is_open_matches_the_wall_clock_rule_and_next_transitions(
    weekly: dict[int, tuple[TimeRange, ...]], offset_seconds: int
) -> None:
    calendar = OpeningCalendar(weekly=weekly)
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=offset_seconds)
    assert calendar.is_open(at) == wall_rule_is_open(calendar, at)
    opening = calendar.next_opening(at, horizon_days=14)
    if opening is not None:
        assert opening >= at
        assert calendar.is_open(opening)
    closing = calendar.next_closing(at, horizon_days=14)
    if closing is not None:
        assert closing >= at
        assert not calendar.is_open(closing)
