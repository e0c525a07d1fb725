"""``distans plan forecast``: contacts per interval from a history CSV."""

from __future__ import annotations

import argparse
import sys

GROUP = "plan"
NAME = "forecast"
HELP = "forecast contacts per interval from history (CSV in, CSV out)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--history", required=True, help="CSV: arrived_at, or interval_start,count")
    parser.add_argument("--interval-minutes", type=int, default=15)
    parser.add_argument("--horizon-days", type=int, default=7)
    parser.add_argument("--as-of", help="ISO date-time; only history before it is used")
    parser.add_argument("--out", help="output CSV (default: standard output)")
    parser.add_argument("--timezone", default="Europe/Stockholm", help="zone of days and opening")
    parser.add_argument(
        "--holidays",
        default="se",
        help="comma-separated countries whose holidays are closed (se,no; '' for none)",
    )
    parser.add_argument(
        "--special-date",
        action="append",
        default=[],
        metavar="DATE[:FACTOR]",
        help="a special day: skipped in training, forecast at FACTOR (default 0 = closed)",
    )
    parser.add_argument(
        "--uplift",
        action="append",
        default=[],
        metavar="FIRST:LAST:FACTOR",
        help="multiply days FIRST..LAST (dates) by FACTOR, e.g. 2026-03-02:2026-03-15:1.4",
    )


def run(args: argparse.Namespace) -> int:
    import csv
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from distans.core.errors import InvalidInput
    from distans.core.forecast.adjust import Uplift
    from distans.core.forecast.grid import check_interval, interval_start
    from distans.core.forecast.history_csv import parse_moment, read_history
    from distans.core.forecast.plan import forecast_from, holiday_factors

    check_interval(args.interval_minutes)
    try:
        zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {args.timezone!r}") from exc
    try:
        as_of = parse_moment(args.as_of, zone) if args.as_of else None
        special = {}
        for item in args.special_date:
            day, _, factor = item.partition(":")
            special[date.fromisoformat(day)] = float(factor or 0)
        uplifts = []
        for item in args.uplift:
            first, last, factor = item.split(":")
            uplifts.append(
                Uplift(date.fromisoformat(first), date.fromisoformat(last), float(factor))
            )
    except ValueError as exc:
        raise InvalidInput(f"bad --as-of, --special-date or --uplift: {exc}") from exc
    try:
        with open(args.history, newline="", encoding="utf-8") as lines:
            history = read_history(lines, args.interval_minutes, zone, before=as_of)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"{args.history} is not a readable UTF-8 CSV file ({exc})") from exc
    if history.rows_skipped:
        print(f"distans: skipped {history.rows_skipped} malformed history rows", file=sys.stderr)
    if as_of is None:
        last_day = history.last_seen.astimezone(zone).date() + timedelta(days=1)
        as_of = datetime.combine(last_day, time(0), tzinfo=zone)
    local = as_of.astimezone(zone)
    slot = (local.hour * 60 + local.minute) // args.interval_minutes
    countries = [c.strip() for c in args.holidays.split(",") if c.strip()]
    years = range(history.grid.first_date.year, local.year + 2)
    special_days = {**holiday_factors(countries, years), **special}
    result = forecast_from(
        history.grid, local.date(), slot, args.horizon_days, special_days, uplifts
    )
    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout
    try:
        writer = csv.writer(out)
        writer.writerow(["interval_start", "forecast"])
        slots = history.grid.slots
        for index, value in enumerate(result.contacts):
            day = result.first_day + timedelta(days=(slot + index) // slots)
            start = interval_start(day, (slot + index) % slots, args.interval_minutes, zone)
            writer.writerow([start.isoformat(), f"{value:.3f}"])
    finally:
        if out is not sys.stdout:
            out.close()
    return 0
