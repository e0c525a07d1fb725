"""Reading contact history from CSV: one row per contact (``arrived_at``) or counts
per interval (``interval_start, count``). Broken rows are skipped and counted."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from distans.core.errors import InvalidInput
from distans.core.forecast.grid import DayGrid, grid_from_counts


@dataclass(frozen=True)
class History:
    """The grid read from a CSV, how many rows were used and skipped, the last moment."""

    grid: DayGrid
    rows_used: int
    rows_skipped: int
    last_seen: datetime


def parse_moment(text: str, zone: ZoneInfo) -> datetime:
    """ISO 8601 date-time; without an offset it is read in ``zone``."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def read_history(
    lines: Iterable[str], interval_minutes: int, zone: ZoneInfo, before: datetime | None = None
) -> History:
    """Read a history CSV into a local day × interval grid, using rows before ``before``."""
    reader = csv.DictReader(lines)
    columns = {name.strip() for name in reader.fieldnames or []}
    if "arrived_at" in columns:
        moment_column, count_column = "arrived_at", None
    elif {"interval_start", "count"} <= columns:
        moment_column, count_column = "interval_start", "count"
    else:
        raise InvalidInput(
            "history CSV needs a column arrived_at, or columns interval_start and count"
        )
    cells: list[tuple[date, int, float]] = []
    skipped = 0
    last: datetime | None = None
    for row in reader:
        row = {(k or "").strip(): v for k, v in row.items()}
        try:
            moment = parse_moment(row[moment_column] or "", zone)
            count = float(row[count_column] or "") if count_column else 1.0
            if count < 0 or count != count:
                raise ValueError("negative count")
        except (ValueError, TypeError):
            skipped += 1
            continue
        if before is not None and moment >= before:
            continue
        local = moment.astimezone(zone)
        cells.append((local.date(), (local.hour * 60 + local.minute) // interval_minutes, count))
        last = moment if last is None or moment > last else last
    if not cells or last is None:
        raise InvalidInput(f"no usable history rows ({skipped} malformed rows skipped)")
    return History(grid_from_counts(cells, interval_minutes), len(cells), skipped, last)
