"""Contact-center reports: definitions, interval aggregates, roll-ups and CSV import.

The flow is records -> 15-minute aggregates -> periods -> metrics:

- :mod:`.records` holds the input facts (:class:`ContactOutcome`, :class:`LoggedInSpan`).
- :mod:`.periods` buckets instants into 15-minute intervals, hours, days, ISO weeks and
  months in the organisation's time zone (DST safe; period keys are UTC instants).
- :mod:`.aggregate` turns records into mergeable per-interval counts and sums
  (:class:`ContactCounts`), the rows of the interval aggregate table.
- :mod:`.rollup` sums interval aggregates into periods and groups, with filters.
- :mod:`.metrics` computes offered, answered, abandoned, service level (both Asterisk
  conventions), ASA, AHT, occupancy … from one summed aggregate, never from averages.
- :mod:`.report` puts the pieces together for ``distans report summary``.
- :mod:`.import_csv` streams the history import file into records and row errors.
"""

from distans.core.reports.aggregate import (
    THRESHOLDS_SECONDS,
    ContactCounts,
    aggregate_contacts,
    aggregate_logged_in,
)
from distans.core.reports.metrics import MetricOptions, PeriodMetrics, compute_metrics
from distans.core.reports.periods import (
    Granularity,
    interval_start,
    intervals_in_period,
    period_end,
    period_start,
)
from distans.core.reports.records import (
    DIMENSIONS,
    ContactOutcome,
    GroupKey,
    LoggedInSpan,
    Outcome,
)
from distans.core.reports.report import ReportRow, build_report
from distans.core.reports.rollup import roll_up_contacts, roll_up_logged_in

__all__ = [
    "DIMENSIONS",
    "THRESHOLDS_SECONDS",
    "ContactCounts",
    "ContactOutcome",
    "Granularity",
    "GroupKey",
    "LoggedInSpan",
    "MetricOptions",
    "Outcome",
    "PeriodMetrics",
    "ReportRow",
    "aggregate_contacts",
    "aggregate_logged_in",
    "build_report",
    "compute_metrics",
    "interval_start",
    "intervals_in_period",
    "period_end",
    "period_start",
    "roll_up_contacts",
    "roll_up_logged_in",
]
