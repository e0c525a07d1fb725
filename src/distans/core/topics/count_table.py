"""Parse a CSV of per-topic arrival counts into dense series for surge detection.

Columns: ``date`` (YYYY-MM-DD, daily bins) or ``datetime`` (ISO 8601, hourly bins,
floored to the hour), ``topic``, ``count`` (a non-negative integer). Rows falling in
the same bin are added up; a (topic, bin) with no row counts 0, over the whole range
from the first to the last bin in the file. Datetimes with an offset are converted
to ``zone``; those without are taken as wall-clock time in ``zone``. Bad rows are
skipped and reported with their line number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

import numpy as np
from numpy.typing import NDArray

from distans.core.errors import InvalidInput
from distans.core.topics.surges import DAY, HOUR


@dataclass
class CountTable:
    """Dense per-topic series: bin i starts at ``first_bin_at + i·bin_size``."""

    first_bin_at: datetime
    bin_size: timedelta
    counts: dict[str, NDArray[np.float64]]
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


def _parse_time(value: str, daily: bool, zone: tzinfo) -> datetime:
    if daily:
        day = date.fromisoformat(value.strip())
        return datetime(day.year, day.month, day.day, tzinfo=zone)
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    else:
        moment = moment.astimezone(zone)
    return moment.replace(minute=0, second=0, microsecond=0)


def parse_count_csv(lines: Iterable[str], zone: tzinfo) -> CountTable:
    """Read the CSV described in the module docstring."""
    reader = csv.DictReader(lines)
    columns = set(reader.fieldnames or [])
    if "date" in columns:
        time_column, daily = "date", True
    elif "datetime" in columns:
        time_column, daily = "datetime", False
    else:
        raise InvalidInput("The counts CSV needs a 'date' or 'datetime' column.")
    for needed in ("topic", "count"):
        if needed not in columns:
            raise InvalidInput(f"The counts CSV needs a '{needed}' column.")
    rows: list[tuple[str, datetime, int]] = []
    bad: list[tuple[int, str]] = []
    for row in reader:
        line = reader.line_num
        try:
            at = _parse_time(row[time_column] or "", daily, zone)
            count_text = (row["count"] or "").strip()
            count = int(float(count_text))
            if count < 0 or count != float(count_text):
                raise ValueError("count must be a non-negative whole number")
        except (ValueError, TypeError) as exc:
            bad.append((line, str(exc)))
            continue
        topic = (row["topic"] or "").strip()
        if not topic:
            bad.append((line, "empty topic"))
            continue
        rows.append((topic, at, count))
    if not rows:
        raise InvalidInput("The counts CSV has no usable rows.")
    bin_size = DAY if daily else HOUR
    first = min(at for _, at, _ in rows)
    # Wall-clock arithmetic: naive differences of local times keep weekday/hour slots.
    origin = first.replace(tzinfo=None)
    index = [(topic, (at.replace(tzinfo=None) - origin) // bin_size, n) for topic, at, n in rows]
    n_bins = max(i for _, i, _ in index) + 1
    counts: dict[str, NDArray[np.float64]] = {}
    for topic, i, n in index:
        counts.setdefault(topic, np.zeros(n_bins))[i] += n
    return CountTable(first, bin_size, dict(sorted(counts.items())), bad)
