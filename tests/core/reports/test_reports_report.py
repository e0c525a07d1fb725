"""Report rows: grouping, filters, time range, empty periods, occupancy by location."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from distans.core.errors import InvalidInput
from distans.core.reports import (
    ContactCounts,
    ContactOutcome,
    Granularity,
    LoggedInSpan,
    Outcome,
    aggregate_contacts,
    aggregate_logged_in,
    build_report,
)
from distans.core.reports.aggregate import AggregateKey
from distans.core.reports.report import local_date_range, logged_in_hours_by_location

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=STOCKHOLM)


def make_rows() -> dict[AggregateKey, ContactCounts]:
    records = [
        ContactOutcome(
            MORNING, "Skola", "phone", Outcome.ANSWERED, 10, 300, 60, agent="anna", location="home"
        ),
        ContactOutcome(MORNING + timedelta(minutes=20), "Skola", "chat", Outcome.ABANDONED, 40),
        ContactOutcome(
            MORNING + timedelta(hours=1),
            "Bygglov",
            "phone",
            Outcome.ANSWERED,
            30,
            600,
            0,
            agent="bo",
            location="office",
        ),
    ]
    return aggregate_contacts(records)


def test_group_by_queue_and_filter_channel() -> None:
    rows = build_report(make_rows(), Granularity.DAY, STOCKHOLM, group_by=("queue",))
    assert [(r.period, r.group["queue"], r.metrics.offered) for r in rows] == [
        ("2026-03-02", "Bygglov", 1),
        ("2026-03-02", "Skola", 2),
    ]
    phone = build_report(make_rows(), Granularity.HOUR, STOCKHOLM, filters={"channel": {"phone"}})
    assert [(r.period, r.metrics.answered) for r in phone] == [
        ("2026-03-02T08:00+01:00", 1),
        ("2026-03-02T09:00+01:00", 1),
    ]
    as_json = phone[0].as_dict()
    for key in (
        "period",
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "service_level_2",
        "asa_seconds",
        "aht_seconds",
    ):
        assert key in as_json
    assert as_json["aht_seconds"] == 360


def test_time_range_and_empty_periods() -> None:
    start, end = local_date_range(date(2026, 3, 2), date(2026, 3, 2), STOCKHOLM)
    rows = build_report(
        make_rows(), Granularity.HOUR, STOCKHOLM, start=start, end=end, include_empty=True
    )
    assert len(rows) == 24
    assert sum(r.metrics.offered for r in rows) == 3
    later = build_report(
        make_rows(), Granularity.HOUR, STOCKHOLM, start=MORNING + timedelta(hours=1)
    )
    assert [r.metrics.offered for r in later] == [1]


def test_occupancy_and_logged_in_hours_by_location() -> None:
    spans = [
        LoggedInSpan("anna", MORNING, MORNING + timedelta(hours=1), location="home"),
        LoggedInSpan("bo", MORNING, MORNING + timedelta(hours=2), location="office"),
    ]
    logged_in = aggregate_logged_in(spans)
    rows = build_report(
        make_rows(), Granularity.DAY, STOCKHOLM, group_by=("location",), logged_in_rows=logged_in
    )
    by_location = {r.group["location"]: r.metrics for r in rows}
    assert by_location["home"].occupancy == pytest.approx(360 / 3600)
    assert by_location["office"].occupancy == pytest.approx(600 / 7200)
    assert by_location[""].logged_in_hours == 0  # the abandoned chat had no agent
    # grouping by queue cannot use logged-in time
    by_queue = build_report(
        make_rows(), Granularity.DAY, STOCKHOLM, group_by=("queue",), logged_in_rows=logged_in
    )
    assert all(r.metrics.occupancy is None for r in by_queue)
    hours = logged_in_hours_by_location(logged_in, Granularity.DAY, STOCKHOLM)
    assert hours == [
        {"period": "2026-03-02", "location": "home", "logged_in_hours": 1.0},
        {"period": "2026-03-02", "location": "office", "logged_in_hours": 2.0},
    ]


def test_unknown_dimension_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown report dimension 'skill'"):
        build_report(make_rows(), Granularity.DAY, STOCKHOLM, group_by=("skill",))


def test_rows_keep_utc_period_start() -> None:
    (row,) = build_report(make_rows(), Granularity.MONTH, STOCKHOLM)
    assert row.period_start == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert row.period == "2026-03"
