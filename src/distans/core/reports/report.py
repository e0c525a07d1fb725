"""Assemble report rows: filter interval rows by time, roll up, compute metrics.

This is what ``distans report summary`` and the reports page call, with interval rows
read from the aggregate table (or built from records with
:func:`~distans.core.reports.aggregate.aggregate_contacts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from distans.core.errors import InvalidInput
from distans.core.reports.aggregate import AggregateKey, ContactCounts, LoggedInKey
from distans.core.reports.metrics import MetricOptions, PeriodMetrics, compute_metrics
from distans.core.reports.periods import (
    Granularity,
    local_label,
    period_end,
    period_start,
    periods_between,
)
from distans.core.reports.rollup import (
    AGENT_DIMENSIONS,
    Filters,
    roll_up_contacts,
    roll_up_logged_in,
)


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One period (and group) of a report."""

    period_start: datetime
    period: str
    group: dict[str, str]
    metrics: PeriodMetrics

    def as_dict(self) -> dict[str, Any]:
        """``{"period": …, <group values>, <metrics>}`` for JSON and CSV output."""
        return {"period": self.period, **self.group, **self.metrics.as_dict()}


def local_date_range(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC ``[start, end)`` covering local days ``first_day`` to ``last_day`` inclusive."""
    if last_day < first_day:
        raise InvalidInput("the report's end date is before its start date")
    start = period_start(_noon(first_day, zone), Granularity.DAY, zone)
    end = period_end(
        period_start(_noon(last_day, zone), Granularity.DAY, zone), Granularity.DAY, zone
    )
    return start, end


def _noon(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=zone)


def _in_range(
    rows: Mapping[tuple[datetime, Any], Any], start: datetime | None, end: datetime | None
) -> dict[tuple[datetime, Any], Any]:
    return {
        key: value
        for key, value in rows.items()
        if (start is None or key[0] >= start) and (end is None or key[0] < end)
    }


def build_report(
    contact_rows: Mapping[AggregateKey, ContactCounts],
    granularity: Granularity,
    zone: ZoneInfo,
    *,
    options: MetricOptions | None = None,
    group_by: Sequence[str] = (),
    filters: Filters | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    logged_in_rows: Mapping[LoggedInKey, int] | None = None,
    include_empty: bool = False,
) -> list[ReportRow]:
    """Report rows for interval rows whose interval starts in ``[start, end)`` (UTC).

    Occupancy and logged-in hours are filled in when ``logged_in_rows`` is given and
    the grouping and filters use only team, agent and location. ``include_empty`` adds
    zero rows for periods without contacts (only without ``group_by``; needs ``start``
    and ``end``). Rows are sorted by period, then group values.
    """
    filters = filters or {}
    contacts = roll_up_contacts(
        _in_range(contact_rows, start, end), granularity, zone, group_by, filters
    )
    logged_in: dict[tuple[datetime, tuple[str, ...]], int] | None = None
    agent_only = set(group_by) | set(filters) <= set(AGENT_DIMENSIONS)
    if logged_in_rows is not None and agent_only:
        logged_in = roll_up_logged_in(
            _in_range(logged_in_rows, start, end), granularity, zone, group_by, filters
        )
    if include_empty and not group_by and start is not None and end is not None:
        last = end - timedelta(microseconds=1)
        for period in periods_between(start, last, granularity, zone):
            contacts.setdefault((period, ()), ContactCounts())
    if logged_in is not None:
        for key in logged_in:
            contacts.setdefault(key, ContactCounts())
    report = []
    for key in sorted(contacts):
        period, values = key
        ms = None if logged_in is None else logged_in.get(key, 0)
        report.append(
            ReportRow(
                period_start=period,
                period=local_label(period, granularity, zone),
                group=dict(zip(group_by, values, strict=True)),
                metrics=compute_metrics(contacts[key], options, ms),
            )
        )
    return report


def logged_in_hours_by_location(
    logged_in_rows: Mapping[LoggedInKey, int],
    granularity: Granularity,
    zone: ZoneInfo,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[dict[str, Any]]:
    """``[{"period", "location", "logged_in_hours"}]``: agents' logged-in hours per site."""
    rolled = roll_up_logged_in(
        _in_range(logged_in_rows, start, end), granularity, zone, ("location",)
    )
    return [
        {
            "period": local_label(period, granularity, zone),
            "location": values[0],
            "logged_in_hours": ms / 3_600_000,
        }
        for (period, values), ms in sorted(rolled.items())
    ]
