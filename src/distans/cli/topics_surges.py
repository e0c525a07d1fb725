"""``distans topics surges``: find topics running above their weekday × hour baseline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

GROUP = "topics"
NAME = "surges"
HELP = "Detect topic surges in a CSV of counts (date or datetime, topic, count)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--counts", required=True, type=Path, help="CSV: date|datetime,topic,count")
    parser.add_argument(
        "--timezone",
        default="Europe/Stockholm",
        help="zone for weekday and hour of day (default Europe/Stockholm)",
    )
    parser.add_argument("--baseline-weeks", type=int, default=8, help="weeks of history (8)")
    parser.add_argument(
        "--threshold", type=float, help="CUSUM alarm threshold h in nats (default 6)"
    )
    parser.add_argument("--min-count", type=int, help="minimum surge count (default 5)")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from distans.core.errors import InvalidInput
    from distans.core.topics.count_table import parse_count_csv
    from distans.core.topics.surges import SurgeSettings, detect_surges

    try:
        zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone {args.timezone!r}.") from exc
    settings = SurgeSettings(baseline_weeks=args.baseline_weeks)
    if args.threshold is not None:
        settings = replace(settings, cusum_threshold=args.threshold)
    if args.min_count is not None:
        settings = replace(settings, min_count=args.min_count)
    if settings.baseline_weeks < 1:
        raise InvalidInput("--baseline-weeks must be at least 1.")
    try:
        with args.counts.open(encoding="utf-8-sig", newline="") as lines:
            table = parse_count_csv(lines, zone)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{args.counts} is not UTF-8 text (byte {exc.start}).") from exc
    for number, reason in table.bad_lines:
        print(f"{args.counts}:{number}: skipped: {reason}", file=sys.stderr)
    alerts = detect_surges(
        table.counts, first_bin_at=table.first_bin_at, bin_size=table.bin_size, settings=settings
    )
    daily = table.bin_size.days == 1
    for alert in alerts:
        row = {
            "topic": alert.topic,
            "start": alert.start.date().isoformat() if daily else alert.start.isoformat(),
            "detected_at": (
                alert.detected_at.date().isoformat() if daily else alert.detected_at.isoformat()
            ),
            "score": alert.score,
            "observed": alert.observed,
            "expected": alert.expected,
            "method": alert.method,
            "ongoing": alert.ongoing,
        }
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0
