"""Read a day of intervals from CSV: ``interval_start, calls, aht_seconds[, agents …]``.

Optional columns: ``agents`` (staffed), ``on_break`` (of those, how many are on a
break), ``pool`` (a cohort name: rows of each pool give that pool's own contacts).

Shared by ``distans plan staffing --intervals`` and ``distans plan simulate``. Every
broken row is reported with its line number in one line, as users see it.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from distans.core.errors import InvalidInput


@dataclass(frozen=True)
class IntervalRow:
    """One planning interval as read from a file (``line`` is the 1-based file line)."""

    interval_start: str
    calls: float
    aht_seconds: float
    agents: int | None
    pool: str | None
    line: int
    on_break: int = 0


def _number(text: str, column: str, line: int, *, positive: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"line {line}: {column} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        kind = "positive" if positive else "zero or more"
        raise InvalidInput(f"line {line}: {column} must be {kind}, got {text!r}")
    return value


def _whole(text: str, column: str, line: int) -> int:
    value = _number(text, column, line)
    if value != int(value):
        raise InvalidInput(f"line {line}: {column} must be a whole number, got {text!r}")
    return int(value)


def _start(text: str, line: int) -> str:
    """An ISO date-time (``2026-11-23T08:00:00+01:00``) or time of day (``08:00``)."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        try:
            time.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"line {line}: interval_start {text!r} is not an ISO date-time or time of day"
            ) from None
    return text


def read_interval_rows(
    lines: Iterable[str], *, require: Sequence[str] = ("interval_start", "calls", "aht_seconds")
) -> list[IntervalRow]:
    """Parse CSV text lines; columns ``agents`` and ``pool`` are optional unless required."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except UnicodeDecodeError:
        raise InvalidInput("the intervals file is not UTF-8 text") from None
    if header is None:
        raise InvalidInput("the intervals file is empty")
    names = [name.strip() for name in header]
    missing = [name for name in require if name not in names]
    if missing:
        raise InvalidInput(f"line 1: missing column(s) {', '.join(missing)}")
    index = {name: names.index(name) for name in names}
    rows: list[IntervalRow] = []
    while True:
        try:
            cells = next(reader, None)
        except UnicodeDecodeError:
            raise InvalidInput(
                f"line {reader.line_num + 1}: the intervals file is not UTF-8 text"
            ) from None
        if cells is None:
            break
        line = reader.line_num
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            raise InvalidInput(f"line {line}: expected {len(names)} fields, found {len(cells)}")

        def cell(name: str, cells: list[str] = cells) -> str:
            return cells[index[name]].strip()

        agents: int | None = None
        if "agents" in index and cell("agents"):
            agents = _whole(cell("agents"), "agents", line)
        elif "agents" in require:
            raise InvalidInput(f"line {line}: agents is empty")
        on_break = 0
        if "on_break" in index and cell("on_break"):
            on_break = _whole(cell("on_break"), "on_break", line)
        rows.append(
            IntervalRow(
                interval_start=_start(cell("interval_start"), line),
                calls=_number(cell("calls"), "calls", line),
                aht_seconds=_number(cell("aht_seconds"), "aht_seconds", line, positive=True),
                agents=agents,
                pool=cell("pool") if "pool" in index else None,
                line=line,
                on_break=on_break,
            )
        )
    if not rows:
        raise InvalidInput("the intervals file has no rows")
    return rows


def infer_interval_minutes(rows: Sequence[IntervalRow]) -> float:
    """Interval length from the first two distinct ISO ``interval_start`` values."""
    starts = sorted({row.interval_start for row in rows})
    if len(starts) < 2:
        raise InvalidInput("cannot tell the interval length from one row: give --interval-minutes")
    try:
        first, second = (datetime.fromisoformat(value) for value in starts[:2])
    except ValueError:
        raise InvalidInput(
            "interval_start is not an ISO date-time: give --interval-minutes"
        ) from None
    minutes = (second - first).total_seconds() / 60.0
    if minutes <= 0:
        raise InvalidInput("interval_start values must increase")
    return minutes
