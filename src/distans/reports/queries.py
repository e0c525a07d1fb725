"""Reads: report rows from the aggregate tables, settings, raw events."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField, F, Max, Sum
from django.db.models.functions import Cast, Trunc

from distans.accounts.models import Organisation
from distans.core.reports.aggregate import COLUMN_NAMES, ContactCounts
from distans.core.reports.metrics import MetricOptions
from distans.core.reports.periods import Granularity
from distans.core.reports.records import DIMENSIONS, AgentKey, GroupKey
from distans.core.reports.report import ReportRow, build_report, local_date_range
from distans.reports.models import (
    AgentDailyAggregate,
    DailyAggregate,
    IntervalAggregate,
    LoggedInAggregate,
    LoggedInDailyAggregate,
    OrganisationReportSettings,
    ReportDimensionValue,
)
from distans.routing.models import RoutingEvent

AGENT_DIMENSIONS = ("team", "agent", "location")


def report_settings(organisation: Organisation) -> OrganisationReportSettings:
    row, _ = OrganisationReportSettings.objects.get_or_create(organisation=organisation)
    return row


def metric_options(organisation: Organisation) -> MetricOptions:
    row = report_settings(organisation)
    return MetricOptions(
        row.service_level_seconds, row.short_abandon_seconds, row.exclude_short_abandons
    )


_DAILY = (Granularity.DAY, Granularity.WEEK, Granularity.MONTH)


def _period_expression(granularity: Granularity, zone: ZoneInfo) -> Any:
    """Sum in SQL per period, not per interval: the core then rolls up few rows.

    Hours are truncated in UTC (an hour of a whole-hour-offset zone; the two 02:00 hours
    of the autumn change stay apart, as in the core); days, ISO weeks and months in the
    organisation's zone. Every value lies inside its period, so the core's roll-up
    puts it in the same period.
    """
    if granularity is Granularity.INTERVAL:
        return F("interval_start")
    if granularity is Granularity.HOUR:
        return Trunc("interval_start", "hour", tzinfo=UTC)
    return Trunc("interval_start", str(granularity), tzinfo=zone)


def _contact_table(organisation: Organisation, granularity: Granularity, used: set[str],
                   start: datetime, end: datetime) -> Any:  # fmt: skip
    """The smallest table that holds the dimensions ``used`` at this granularity.

    Day, week and month reports read a day table: ``DailyAggregate`` (no agent) when
    the agent is neither grouped nor filtered, ``AgentDailyAggregate`` (team, agent,
    location) when nothing else is; when both could answer (only team/location, or
    nothing), the one with fewer rows in the range's first week. The interval table
    otherwise (hours, intervals, or the agent together with queue/channel/topic).
    """
    if granularity not in _DAILY:
        return IntervalAggregate
    candidates = []
    if "agent" not in used:
        candidates.append(DailyAggregate)
    if used <= set(AGENT_DIMENSIONS):
        candidates.append(AgentDailyAggregate)
    if len(candidates) < 2:
        return candidates[0] if candidates else IntervalAggregate
    sample_end = min(end, start + timedelta(days=7))
    return min(
        candidates,
        key=lambda model: model.objects.filter(
            organisation=organisation, day_start__gte=start, day_start__lt=sample_end
        ).count(),
    )  # the first (DailyAggregate) on a tie


def _sum(column: str) -> Any:
    """``SUM(column)`` as a bigint: PostgreSQL sums bigints as numeric (Decimal in Python)."""
    return Cast(Sum(column), BigIntegerField())


def summed_columns(options: MetricOptions) -> list[str]:
    """The aggregate columns the metrics read: all but the unused thresholds.

    ``compute_metrics`` uses the within-counts of the service-level threshold T and
    the short-abandon threshold s only, so the other thresholds are not summed.
    """
    keep = {f"{kind}_within_{t}" for kind in ("answered", "abandoned")
            for t in (options.service_level_seconds, options.short_abandon_seconds)}  # fmt: skip
    return [c for c in COLUMN_NAMES if "_within_" not in c or c in keep]


def _day_period_expression(granularity: Granularity, zone: ZoneInfo) -> Any:
    if granularity is Granularity.DAY:
        return F("day_start")
    return Trunc("day_start", str(granularity), tzinfo=zone)


def report_rows(
    organisation: Organisation,
    first_day: date,
    last_day: date,
    granularity: Granularity,
    group_by: Sequence[str] = (),
    filters: Mapping[str, set[str]] | None = None,
    options: MetricOptions | None = None,
) -> list[ReportRow]:
    """Report rows for local days ``first_day``..``last_day`` from the aggregate table.

    Sums are taken in SQL per period and group-by dimensions, from the smallest table
    that can answer (:func:`_contact_table`); the core rolls them up to periods and
    computes the metrics.
    """
    zone = ZoneInfo(organisation.time_zone)
    start, end = local_date_range(first_day, last_day, zone)
    filters = {k: v for k, v in (filters or {}).items() if v}
    options = options or metric_options(organisation)
    used = set(group_by) | set(filters)
    period = _period_expression(granularity, zone)
    contact_table = _contact_table(organisation, granularity, used, start, end)
    if contact_table is IntervalAggregate:
        rows = IntervalAggregate.objects.filter(
            organisation=organisation, interval_start__gte=start, interval_start__lt=end
        )
        period_of_row = period
    else:  # a day table: one row per local day (and its fewer dimensions)
        rows = contact_table.objects.filter(
            organisation=organisation, day_start__gte=start, day_start__lt=end
        )
        period_of_row = _day_period_expression(granularity, zone)
    for name, values in filters.items():
        rows = rows.filter(**{f"{name}__in": list(values)})
    sums = {c: (Max(c) if c == "max_wait_ms" else _sum(c)) for c in summed_columns(options)}
    # A week or month that began before ``start`` is truncated to its first instant; the
    # core keeps only keys in [start, end), so such sums are keyed at ``start`` (inside
    # the same period, which the core's roll-up finds again).
    grouped = rows.annotate(period=period_of_row).values("period", *group_by).annotate(**sums)
    contact_rows = {}
    grouped_dimensions = [d if d in group_by else None for d in DIMENSIONS]
    summed = [c if c in sums else None for c in COLUMN_NAMES]
    for row in grouped.order_by():
        key = GroupKey(*(row[d] if d else "" for d in grouped_dimensions))
        counts = ContactCounts.from_flat([int(row[c] or 0) if c else 0 for c in summed])
        contact_rows[(max(row["period"], start), key)] = counts
    logged_in = None
    if used <= set(AGENT_DIMENSIONS):
        if granularity in _DAILY:
            logged: Any = LoggedInDailyAggregate.objects.filter(
                organisation=organisation, day_start__gte=start, day_start__lt=end
            ).annotate(period=_day_period_expression(granularity, zone))
        else:
            logged = LoggedInAggregate.objects.filter(
                organisation=organisation, interval_start__gte=start, interval_start__lt=end
            ).annotate(period=period)
        for name, values in filters.items():
            logged = logged.filter(**{f"{name}__in": list(values)})
        logged_in = {}
        logged = logged.values("period", *group_by)
        for row in logged.annotate(ms=_sum("logged_in_ms")).order_by():
            key = AgentKey(**{d: row.get(d, "") if d in group_by else "" for d in AGENT_DIMENSIONS})
            logged_in[(max(row["period"], start), key)] = int(row["ms"])
    return build_report(
        contact_rows, granularity, zone, options=options,
        group_by=group_by, start=start, end=end, logged_in_rows=logged_in,
        include_empty=not group_by and granularity is not Granularity.INTERVAL,
    )  # fmt: skip


def dimension_labels(organisation: Organisation) -> dict[str, dict[str, str]]:
    """Display names for stored dimension values (ids as text → names)."""
    from distans.accounts.models import Person, Site, Team
    from distans.contacts.choices import Channel
    from distans.routing.models import Queue

    return {
        "queue": dict(Queue.all_objects.for_org(organisation).values_list("code", "name")),
        "channel": {value: str(label) for value, label in Channel.choices},
        "agent": {str(pk): name for pk, name in Person.objects.filter(organisation=organisation).values_list("pk", "full_name")},
        "team": {str(pk): name for pk, name in Team.objects.for_org(organisation).values_list("pk", "name")},
        "location": {str(pk): name for pk, name in Site.objects.for_org(organisation).values_list("pk", "name")},
    }  # fmt: skip


def dimension_values(organisation: Organisation, dimension: str) -> list[str]:
    if dimension not in DIMENSIONS:
        return []
    values = ReportDimensionValue.objects.filter(organisation=organisation, dimension=dimension)
    return sorted(values.values_list("value", flat=True))[:500]


def raw_events(
    organisation: Organisation,
    start: datetime,
    end: datetime,
    only: tuple[set[int], set[int]] | None = None,
) -> Iterator[RoutingEvent]:
    """The event log between ``start`` and ``end``; ``only``: (queue ids, agent ids),
    events of those queues or those agents (a team leader's)."""
    events = RoutingEvent.objects.filter(organisation=organisation, at__gte=start, at__lt=end)
    if only is not None:
        from django.db.models import Q

        events = events.filter(Q(queue_id__in=only[0]) | Q(agent_id__in=only[1]))
    return (
        events
        .order_by("id")
        .iterator(chunk_size=5000)
    )
