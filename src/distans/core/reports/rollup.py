"""Roll interval aggregate rows up into periods and groups by summing them.

A report row is (period start in UTC, the values of the chosen group-by dimensions);
its counts are the sum of every interval row whose interval lies in the period and
whose dimension values pass the filters. Summing is exact (integers), so a month rolled
up from intervals equals the month aggregated straight from the records.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from distans.core.errors import InvalidInput
from distans.core.reports.aggregate import AggregateKey, ContactCounts, LoggedInKey, add_flat
from distans.core.reports.periods import Granularity, period_start
from distans.core.reports.records import DIMENSIONS, AgentKey

AGENT_DIMENSIONS = AgentKey._fields
PeriodKey = tuple[datetime, tuple[str, ...]]
Filters = Mapping[str, Collection[str]]


def _check_dimensions(names: Collection[str], allowed: Sequence[str]) -> None:
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise InvalidInput(
            f"unknown report dimension {unknown[0]!r}; use one of {', '.join(allowed)}"
        )


def roll_up_contacts(
    rows: Mapping[AggregateKey, ContactCounts],
    granularity: Granularity,
    zone: ZoneInfo,
    group_by: Sequence[str] = (),
    filters: Filters | None = None,
) -> dict[PeriodKey, ContactCounts]:
    """Sum interval rows into ``(period start UTC, group values)`` -> counts.

    ``group_by`` names dimensions from :data:`DIMENSIONS` (the group values come in that
    order); ``filters`` maps a dimension to the values to keep (e.g. ``{"queue": {"A"}}``).
    """
    filters = filters or {}
    _check_dimensions(group_by, DIMENSIONS)
    _check_dimensions(filters, DIMENSIONS)
    group_index = [DIMENSIONS.index(name) for name in group_by]
    filter_index = [(DIMENSIONS.index(name), set(values)) for name, values in filters.items()]
    starts: dict[datetime, datetime] = {}
    sums: dict[PeriodKey, list[int]] = {}
    for (start, key), counts in rows.items():
        if any(key[i] not in allowed for i, allowed in filter_index):
            continue
        period = starts.get(start)
        if period is None:
            period = starts[start] = period_start(start, granularity, zone)
        out_key = (period, tuple(key[i] for i in group_index))
        total = sums.get(out_key)
        if total is None:
            sums[out_key] = counts.to_flat()
        else:
            add_flat(total, counts.to_flat())
    return {key: ContactCounts.from_flat(total) for key, total in sums.items()}


def roll_up_logged_in(
    rows: Mapping[LoggedInKey, int],
    granularity: Granularity,
    zone: ZoneInfo,
    group_by: Sequence[str] = (),
    filters: Filters | None = None,
) -> dict[PeriodKey, int]:
    """Sum logged-in milliseconds into ``(period start UTC, group values)``.

    Only team, agent and location apply to logged-in time; grouping by anything else
    raises InvalidInput (an agent's login is not split across queues or topics).
    """
    filters = filters or {}
    _check_dimensions(group_by, AGENT_DIMENSIONS)
    _check_dimensions(filters, AGENT_DIMENSIONS)
    group_index = [AGENT_DIMENSIONS.index(name) for name in group_by]
    filter_index = [(AGENT_DIMENSIONS.index(name), set(values)) for name, values in filters.items()]
    starts: dict[datetime, datetime] = {}
    result: dict[PeriodKey, int] = {}
    for (start, key), ms in rows.items():
        if any(key[i] not in allowed for i, allowed in filter_index):
            continue
        period = starts.get(start)
        if period is None:
            period = starts[start] = period_start(start, granularity, zone)
        out_key = (period, tuple(key[i] for i in group_index))
        result[out_key] = result.get(out_key, 0) + ms
    return result
