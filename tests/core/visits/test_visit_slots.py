"""Slot computation: the one opening calendar, notice, horizon, capacities, staff
schedules with buffers, closed days, and the staffing load planning counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from distans.core.calendar import DayOverride, OpeningCalendar, TimeRange
from distans.core.errors import InvalidInput
from distans.core.visits import Booked, ServiceRules, choose_staff, compute_slots, day_load

# Tuesday 8 December 2026; Stockholm is UTC+1 in winter.
TUESDAY = date(2026, 12, 8)
MORNING = OpeningCalendar(weekly={d: (TimeRange.of("09:00", "11:00"),) for d in range(5)})
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # Monday noon


def utc(day: date, hh: int, mm: int = 0) -> datetime:
    """Local Stockholm wall time (winter) as UTC."""
    return datetime(day.year, day.month, day.day, hh - 1, mm, tzinfo=UTC)


def starts(slots) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.starts_at.astimezone(MORNING.zone).strftime("%H:%M") for s in slots]


def one_day(rules: ServiceRules, **kwargs) -> list:  # type: ignore[no-untyped-def]
    return compute_slots(rules, MORNING, NOW, first_day=TUESDAY, last_day=TUESDAY, **kwargs)


def test_slots_step_by_duration_and_buffer_inside_the_opening_hours() -> None:
    slots = one_day(ServiceRules(duration_minutes=30, buffer_minutes=10))
    assert starts(slots) == ["09:00", "09:40", "10:20"]  # 11:00 would end after closing
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in slots)


def test_holidays_and_ad_hoc_days_of_the_calendar_close_the_day() -> None:
    christmas_eve = date(2026, 12, 24)
    calendar = OpeningCalendar(weekly=MORNING.weekly, overrides={TUESDAY: DayOverride(TUESDAY, ())})
    rules = ServiceRules(duration_minutes=60, horizon_days=60)
    assert compute_slots(rules, calendar, NOW, first_day=TUESDAY, last_day=TUESDAY) == []
    assert compute_slots(rules, MORNING, NOW, first_day=christmas_eve, last_day=christmas_eve) == []
    assert (
        len(
            compute_slots(
                rules, MORNING, NOW, first_day=date(2026, 12, 23), last_day=date(2026, 12, 23)
            )
        )
        == 2
    )


def test_minimum_notice_and_horizon_cut_the_range() -> None:
    now = utc(TUESDAY, 9, 10)
    rules = ServiceRules(duration_minutes=30, min_notice_minutes=30, horizon_days=1)
    slots = compute_slots(rules, MORNING, now)
    local = [
        (
            s.starts_at.astimezone(MORNING.zone).date(),
            s.starts_at.astimezone(MORNING.zone).strftime("%H:%M"),
        )
        for s in slots
    ]
    assert local[0] == (TUESDAY, "10:00")  # 09:30 is less than 30 minutes away
    assert {d for d, _ in local} == {
        TUESDAY,
        TUESDAY + timedelta(days=1),
    }  # horizon: tomorrow at most


def test_capacity_per_slot_counts_overlapping_bookings() -> None:
    rules = ServiceRules(duration_minutes=60, capacity_per_slot=2)
    nine = utc(TUESDAY, 9)
    booked = [Booked(nine, nine + timedelta(hours=1))]
    slots = one_day(rules, booked=booked)
    assert [(starts([s])[0], s.places) for s in slots] == [("09:00", 1), ("10:00", 2)]
    full = one_day(rules, booked=booked * 2)
    assert starts(full) == ["10:00"]


def test_capacity_per_day_closes_the_rest_of_the_day() -> None:
    rules = ServiceRules(duration_minutes=30, capacity_per_day=2)
    nine = utc(TUESDAY, 9)
    one = one_day(rules, booked=[Booked(nine, nine + timedelta(minutes=30))])
    assert all(s.places == 1 for s in one) and len(one) == 3
    two = [
        Booked(nine, nine + timedelta(minutes=30)),
        Booked(nine + timedelta(hours=1), nine + timedelta(hours=1, minutes=30)),
    ]
    assert one_day(rules, booked=two) == []


def test_closed_days_offer_nothing() -> None:
    assert one_day(ServiceRules(duration_minutes=30), closed_days={TUESDAY}) == []


def test_staff_must_work_the_whole_slot_and_be_free_within_the_buffer() -> None:
    rules = ServiceRules(duration_minutes=30, buffer_minutes=10)
    windows = {
        "anna": [(utc(TUESDAY, 9), utc(TUESDAY, 10))],
        "bo": [(utc(TUESDAY, 9, 30), utc(TUESDAY, 11))],
    }
    slots = one_day(rules, staff_windows=windows)
    assert [(starts([s])[0], s.staff) for s in slots] == [
        ("09:00", ("anna",)),
        ("09:40", ("bo",)),  # Anna leaves at 10:00, before 10:10
        ("10:20", ("bo",)),
    ]
    # Bo has a visit of another service 10:00–10:15: 09:40 (buffer to 10:20) and
    # 10:20 (buffer from 10:10) are too close.
    other = Booked(utc(TUESDAY, 10), utc(TUESDAY, 10, 15), "bo", same_service=False)
    assert starts(one_day(rules, staff_windows=windows, booked=[other])) == ["09:00"]


def test_no_staff_at_work_means_no_slots_when_the_service_is_staffed() -> None:
    assert one_day(ServiceRules(duration_minutes=30), staff_windows={}) == []
    assert len(one_day(ServiceRules(duration_minutes=30), staff_windows=None)) == 4


def test_a_group_slot_keeps_its_host_and_new_bookings_go_to_the_least_busy() -> None:
    rules = ServiceRules(duration_minutes=60, capacity_per_slot=3)
    windows = {
        "anna": [(utc(TUESDAY, 9), utc(TUESDAY, 11))],
        "bo": [(utc(TUESDAY, 9), utc(TUESDAY, 11))],
    }
    nine = utc(TUESDAY, 9)
    booked = [Booked(nine, nine + timedelta(hours=1), "bo")]
    first, second = one_day(rules, staff_windows=windows, booked=booked)
    assert choose_staff(first) == "bo" and first.places == 2  # Bo hosts the 09:00 group
    assert choose_staff(second) == "anna"  # Bo already has a visit today; Anna has none


def test_calendar_across_daylight_saving_keeps_local_wall_times() -> None:
    friday_before = datetime(2027, 3, 26, 12, tzinfo=UTC)
    easter_monday = date(2027, 3, 29)  # a holiday; the clocks went forward on the 28th
    tuesday = date(2027, 3, 30)
    rules = ServiceRules(duration_minutes=60, horizon_days=5)
    assert (
        compute_slots(
            rules, MORNING, friday_before, first_day=easter_monday, last_day=easter_monday
        )
        == []
    )
    slots = compute_slots(rules, MORNING, friday_before, first_day=tuesday, last_day=tuesday)
    assert starts(slots) == ["09:00", "10:00"]
    assert slots[0].starts_at == datetime(2027, 3, 30, 7, tzinfo=UTC)


def test_rules_are_checked() -> None:
    with pytest.raises(InvalidInput):
        ServiceRules(duration_minutes=0)
    with pytest.raises(InvalidInput):
        ServiceRules(duration_minutes=30, capacity_per_slot=0)
    with pytest.raises(InvalidInput):
        compute_slots(ServiceRules(duration_minutes=30), MORNING, datetime(2026, 12, 7, 12))


def test_day_load_counts_each_host_once_per_interval() -> None:
    start = utc(TUESDAY, 9)
    visits = [
        (start, start + timedelta(minutes=30), "anna"),
        (start, start + timedelta(minutes=30), "anna"),  # same group slot
        (start + timedelta(minutes=15), start + timedelta(minutes=45), "visit-7"),
    ]
    assert day_load(visits, start, 15, 4) == [1, 2, 1, 0]
