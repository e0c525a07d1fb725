"""Interval aggregates merge exactly, in any order, and roll up like recomputation."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.reports import (
    ContactCounts,
    ContactOutcome,
    Granularity,
    LoggedInSpan,
    Outcome,
    aggregate_contacts,
    aggregate_logged_in,
    period_start,
    roll_up_contacts,
)
from distans.core.reports.aggregate import COLUMN_NAMES, merge_aggregates

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# three weeks around the autumn DST change, and a month boundary
EPOCH = datetime(2026, 10, 15, tzinfo=UTC)

records_strategy = st.lists(
    st.builds(
        ContactOutcome,
        arrived_at=st.integers(0, 21 * 24 * 3600).map(lambda s: EPOCH + timedelta(seconds=s)),
        queue=st.sampled_from(["A", "B"]),
        channel=st.sampled_from(["phone", "chat"]),
        outcome=st.sampled_from(list(Outcome)),
        waited_seconds=st.floats(0, 400, allow_nan=False).map(lambda s: round(s, 3)),
        handled_seconds=st.integers(0, 900),
        wrap_up_seconds=st.integers(0, 60),
        topic=st.sampled_from(["", "Skola", "Corona"]),
        agent=st.sampled_from(["", "anna", "bo"]),
        location=st.sampled_from(["", "home", "office"]),
    ),
    max_size=60,
)


def sum_counts(records: Sequence[ContactOutcome]) -> ContactCounts:
    total = ContactCounts()
    for record in records:
        total = total + ContactCounts.from_outcome(record)
    return total


@settings(max_examples=60, deadline=None)
@given(records=records_strategy, cuts=st.lists(st.integers(0, 60), max_size=4), data=st.data())
def test_merging_parts_in_any_order_equals_aggregating_all(
    records: list[ContactOutcome], cuts: list[int], data: st.DataObject
) -> None:
    bounds = sorted({0, len(records), *(min(c, len(records)) for c in cuts)})
    parts = [aggregate_contacts(records[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    shuffled = data.draw(st.permutations(parts))
    assert merge_aggregates(*shuffled) == aggregate_contacts(records)


@settings(max_examples=40, deadline=None)
@given(records=records_strategy, granularity=st.sampled_from(list(Granularity)))
def test_roll_up_equals_recomputation_from_records(
    records: list[ContactOutcome], granularity: Granularity
) -> None:
    rolled = roll_up_contacts(aggregate_contacts(records), granularity, STOCKHOLM, ("queue",))
    expected: dict[tuple[datetime, tuple[str, ...]], list[ContactOutcome]] = {}
    for record in records:
        key = (period_start(record.arrived_at, granularity, STOCKHOLM), (record.queue,))
        expected.setdefault(key, []).append(record)
    assert rolled == {key: sum_counts(group) for key, group in expected.items()}


def test_week_and_month_across_dst_match_records() -> None:
    # given one contact per hour for three weeks spanning the 25-hour day
    records = [
        ContactOutcome(EPOCH + timedelta(hours=h), "A", "phone", Outcome.ANSWERED, h % 40, 60)
        for h in range(21 * 24)
    ]
    rows = aggregate_contacts(records)
    for granularity in (Granularity.DAY, Granularity.WEEK, Granularity.MONTH):
        rolled = roll_up_contacts(rows, granularity, STOCKHOLM)
        assert sum(c.offered for c in rolled.values()) == len(records)
    days = roll_up_contacts(rows, Granularity.DAY, STOCKHOLM)
    dst_day = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 2026-10-25 00:00 +02:00
    assert days[(dst_day, ())].offered == 25


def test_row_columns_round_trip_and_single_contact_delta() -> None:
    record = ContactOutcome(EPOCH, "A", "phone", Outcome.ABANDONED, 12.5)
    counts = ContactCounts.from_outcome(record)
    assert ContactCounts.from_columns(counts.to_columns()) == counts
    columns = counts.to_columns()
    assert set(columns) == set(COLUMN_NAMES)
    assert columns["abandoned_within_10"] == 0 and columns["abandoned_within_15"] == 1
    assert columns["wait_abandoned_ms"] == 12500 and columns["max_wait_ms"] == 12500
    assert list(aggregate_contacts([record]).values()) == [counts]


def test_logged_in_spans_are_split_per_quarter_hour() -> None:
    span = LoggedInSpan(
        "anna",
        datetime(2026, 3, 2, 8, 10, tzinfo=UTC),
        datetime(2026, 3, 2, 8, 40, tzinfo=UTC),
        location="home",
    )
    rows = aggregate_logged_in([span, span])
    assert sorted((start.minute, ms) for (start, _), ms in rows.items()) == [
        (0, 2 * 5 * 60000),
        (15, 2 * 15 * 60000),
        (30, 2 * 10 * 60000),
    ]
