"""Read a recorded contact log for replay.

Columns: ``arrived_at`` (ISO date-time with offset) or ``arrival_seconds`` (seconds
from the plan's first interval start), ``handle_seconds``, and ``patience_seconds``:
how long an abandoned contact waited before hanging up, empty for answered ones.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from datetime import datetime

import numpy as np

from distans.core.errors import InvalidInput
from distans.core.simulation.day import ContactLog


def _seconds(text: str, column: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"line {line}: {column} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(f"line {line}: {column} must be zero or more, got {text!r}")
    return value


def read_contact_log(lines: Iterable[str], day_start: datetime | None) -> ContactLog:
    """Parse the log; ``day_start`` (aware) is needed when arrivals are ISO date-times."""
    reader = csv.DictReader(lines)
    fields = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = fields
    if "handle_seconds" not in fields or not {"arrived_at", "arrival_seconds"} & set(fields):
        raise InvalidInput(
            "line 1: the contact log needs arrived_at (or arrival_seconds) and handle_seconds"
        )
    arrived: list[float] = []
    handles: list[float] = []
    patience: list[float] = []
    for row in reader:
        line = reader.line_num
        if None in row.values() or None in row:
            raise InvalidInput(f"line {line}: wrong number of fields")
        if "arrival_seconds" in fields:
            arrived.append(_seconds(row["arrival_seconds"].strip(), "arrival_seconds", line))
        else:
            try:
                moment = datetime.fromisoformat(row["arrived_at"].strip())
            except ValueError:
                raise InvalidInput(f"line {line}: arrived_at is not an ISO date-time") from None
            if day_start is None or moment.tzinfo is None:
                raise InvalidInput(
                    f"line {line}: arrived_at needs a UTC offset and the plan ISO interval starts"
                )
            offset = (moment - day_start).total_seconds()
            if offset < 0:
                raise InvalidInput(f"line {line}: contact arrived before the plan starts")
            arrived.append(offset)
        handles.append(_seconds(row["handle_seconds"].strip(), "handle_seconds", line))
        waited = (row.get("patience_seconds") or "").strip()
        patience.append(_seconds(waited, "patience_seconds", line) if waited else math.inf)
    if not arrived:
        raise InvalidInput("the contact log has no rows")
    return ContactLog(np.array(arrived), np.array(handles), np.array(patience))
