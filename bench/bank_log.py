"""Convert the Anonymous Bank call log (Technion, 1999) into the contact-history CSV.

Input: ``anonymous_bank_1999/<month>.txt.gz``, tab separated, a header row and 17 fields
(see ../shared/data/README.md and its documentation.pdf). Output: the import format of
``distans import contacts`` (``arrived_at,queue,channel,topic,waited_seconds,
handled_seconds,outcome,agent``), times with their Asia/Jerusalem offset.

Rules (documented in docs/dev/reports.md):

- queue = the call's ``type`` (PS, PE, IN, NE, NW, TT); channel ``phone``; topic empty;
  waited = ``q_time``; handled = ``ser_time``; agent = ``server``.
- AGENT -> answered; HANG -> abandoned (handled written as 0: 283 HANG rows carry a
  service time, counted as ``hang_with_service_time``); PHANTOM -> skipped and counted.
- ``q_start = 0:00:00``: the call never joined the queue. With AGENT it went straight to
  an agent (answered, waited 0, arrived at ``vru_exit``); with HANG the caller left in
  the voice menu and was never offered to an agent (skipped, counted as ``vru_only``).
- arrived_at = date + ``q_start`` (queued) or + ``vru_exit`` (straight to an agent); a
  time more than 12 hours before ``vru_entry`` is on the next day (calls over midnight).
- a row with a field count other than 17, an unknown type or outcome, a bad date, time
  or number is malformed: skipped and counted by reason.

Run: ``.venv/bin/python bench/bank_log.py --data ../shared/data/anonymous_bank_1999 --out /tmp/bank.csv``
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

JERUSALEM = ZoneInfo("Asia/Jerusalem")
MONTH_FILES = ("january.txt.gz", "february.txt.gz", "march.txt.gz")
TYPES = {"PS", "PE", "IN", "NE", "NW", "TT"}
OUTCOMES = {"AGENT": "answered", "HANG": "abandoned"}
CSV_HEADER = "arrived_at,queue,channel,topic,waited_seconds,handled_seconds,outcome,agent"
DEFAULT_DATA = "../shared/data/anonymous_bank_1999"


class Malformed(Exception):
    """A raw row that cannot be read; its message is the reason."""


def _clock(text: str) -> time:
    try:
        hours, minutes, seconds = (int(part) for part in text.split(":"))
        return time(hours, minutes, seconds)
    except ValueError:
        raise Malformed("bad_time") from None


def _count(text: str) -> int:
    if not text.isdigit():
        raise Malformed("bad_number")
    return int(text)


def _day(text: str) -> date:
    if len(text) != 6 or not text.isdigit():
        raise Malformed("bad_date")
    try:
        return date(1900 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        raise Malformed("bad_date") from None


def _local(day: date, at: time, entered: time) -> datetime:
    """The aware local datetime of ``at`` on ``day`` (next day if it wrapped midnight)."""
    moment = datetime.combine(day, at)
    if moment < datetime.combine(day, entered) - timedelta(hours=12):
        moment += timedelta(days=1)
    return moment.replace(tzinfo=JERUSALEM)


def convert_row(fields: list[str], stats: Counter[str]) -> str | None:
    """One raw row as a CSV line, or None (skipped; the reason is counted in ``stats``)."""
    if len(fields) != 17:
        raise Malformed("field_count")
    call_type, outcome = fields[4], fields[12]
    if call_type not in TYPES:
        raise Malformed("bad_type")
    if outcome not in (*OUTCOMES, "PHANTOM"):
        raise Malformed("bad_outcome")
    day = _day(fields[5])
    entered, vru_exit, q_start = _clock(fields[6]), _clock(fields[7]), _clock(fields[9])
    q_time, ser_time = _count(fields[11]), _count(fields[15])
    if outcome == "PHANTOM":
        stats["phantom"] += 1
        return None
    queued = fields[9] != "0:00:00"
    if not queued and outcome == "HANG":
        stats["vru_only"] += 1
        return None
    arrived = _local(day, q_start if queued else vru_exit, entered)
    waited = q_time if queued else 0
    handled = ser_time if outcome == "AGENT" else 0
    if outcome == "HANG" and ser_time:
        stats["hang_with_service_time"] += 1
    agent = fields[16] if outcome == "AGENT" else ""
    stats[OUTCOMES[outcome]] += 1
    return (
        f"{arrived.isoformat()},{call_type},phone,,{waited},{handled},{OUTCOMES[outcome]},{agent}"
    )


def convert_file(path: Path, stats: Counter[str]) -> Iterator[str]:
    """CSV lines (no header) for one monthly file; malformed rows counted as ``malformed_*``."""
    with gzip.open(path, "rt", encoding="latin-1") as raw:
        next(raw)  # header
        for line in raw:
            stats["rows"] += 1
            try:
                converted = convert_row(line.rstrip("\r\n").split("\t"), stats)
            except Malformed as problem:
                stats[f"malformed_{problem}"] += 1
                stats["malformed"] += 1
                continue
            if converted is not None:
                yield converted


def convert(data: Path, stats: Counter[str]) -> Iterator[str]:
    """The whole import CSV (header first) for the three months."""
    yield CSV_HEADER
    for name in MONTH_FILES:
        yield from convert_file(data / name, stats)


def write_csv(data: Path, out: TextIO) -> Counter[str]:
    """Write the import CSV to ``out``; return the counts of what was kept and skipped."""
    stats: Counter[str] = Counter()
    for line in convert(data, stats):
        out.write(line + "\n")
    return stats


def run(data: str = DEFAULT_DATA, out: str | None = None) -> dict[str, Any]:
    """Convert the log (to ``out`` if given) and return the counts."""
    if out is None:
        with open("/dev/null", "w", encoding="utf-8") as sink:
            stats = write_csv(Path(data), sink)
    else:
        with open(out, "w", encoding="utf-8") as target:
            stats = write_csv(Path(data), target)
    return {"source": str(data), "out": out, "counts": dict(sorted(stats.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--out", default=None, help="CSV file to write (default: count only)")
    args = parser.parse_args()
    json.dump(run(args.data, args.out), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
