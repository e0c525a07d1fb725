"""Reports on the Django side: bank-log validation and query timings on PostgreSQL.

1. **Validation**: the Anonymous Bank log (1999) is converted to the import CSV
   (``bench/bank_log.py``), imported with ``distans import contacts`` into an organisation
   in Asia/Jerusalem, and ``distans report summary --by month`` is compared with monthly
   figures computed straight from the raw files by plain loops
   (``bench/reports_validation.direct_monthly``, no Distans code): offered, answered,
   abandoned, short abandons, ASA, AHT, SL (T = 20 s) and SL2, short abandons (<= 5 s)
   excluded. Then a month by agent (``AgentDailyAggregate``) is compared with the core's
   report computed from the interval rows (``by_agent.agree``).
2. **Timings**: for each size N (contacts), an organisation gets synthetic interval
   aggregate rows equivalent to N contacts over one year (365 days × 08:00–17:00, 36
   intervals a day; every row holds 2 contacts, so N/2 rows), bulk-inserted with one
   ``INSERT … SELECT generate_series``. Agent k (1 … up to 381) keeps one team (of 20)
   and location (of 2) and works every interval; its queue (of 5), channel (of 3) and
   topic (of 12) change with the interval and day, so a day has up to 2,160 distinct
   queue × channel × topic × team × location keys. Each agent is logged in for every
   interval (``LoggedInAggregate``). The day tables and dimension values are then
   filled by the product's ``aggregation.rebuild_daily`` (timed). Each report query
   runs through ``distans.reports.queries.report_rows`` (SQL sums + the core's roll-up
   and metrics) 5 times; the median and max wall-clock seconds are printed.

Run (drops and recreates the database named in --database-url):
``.venv/bin/python bench/reports.py --data ../shared/data/anonymous_bank_1999``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/distans_reports_bench"


def _setup(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = f"{parsed.scheme}://{parsed.netloc}/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DISTANS_VAR_DIR", tempfile.mkdtemp(prefix="dvar-reports-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "distans.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)


def validate_bank(data: Path) -> dict[str, Any]:
    import bank_log
    from distans.accounts.models import Organisation
    from distans.cli.main import main
    from reports_validation import direct_monthly

    Organisation.objects.create(name="Anonymous Bank", slug="bank", time_zone="Asia/Jerusalem")
    csv_path = Path(tempfile.mkdtemp()) / "bank.csv"
    with open(csv_path, "w", encoding="utf-8") as out:
        stats = bank_log.write_csv(data, out)
    started = time.perf_counter()
    with (
        contextlib.redirect_stdout(io.StringIO()) as captured,
        contextlib.redirect_stderr(io.StringIO()),
    ):
        main(
            [
                "import",
                "contacts",
                str(csv_path),
                "--organisation",
                "bank",
                "--time-zone",
                "Asia/Jerusalem",
            ]
        )
    imported = json.loads(captured.getvalue())
    import_seconds = time.perf_counter() - started
    with contextlib.redirect_stdout(io.StringIO()) as captured:
        args = ["report", "summary", "--from", "1999-01-01", "--to", "1999-03-31", "--by", "month",
                "--organisation", "bank", "--all-metrics"]  # fmt: skip
        main(args)
    summary = {row["period"]: row for row in json.loads(captured.getvalue())}
    direct = direct_monthly(data)
    months = []
    agree = True
    for key, expected in direct.items():
        month, variant = key.split()
        if variant != "excl_short":
            continue
        got = summary[month]
        pairs = {
            "offered": (got["offered"], expected["offered"]),
            "answered": (got["answered"], expected["answered"]),
            "abandoned": (got["abandoned"], expected["abandoned"]),
            "short_abandoned": (got["short_abandoned"], expected["short_abandoned"]),
            "asa_seconds": (got["asa_seconds"], expected["asa_seconds"]),
            "aht_seconds": (got["aht_seconds"], expected["aht_seconds"]),
            "service_level": (got["service_level"], expected["service_level_20"]),
            "service_level_2": (got["service_level_2"], expected["service_level_2_20"]),
        }
        same = all(abs(a - b) < 1e-9 for a, b in pairs.values())
        agree = agree and same
        months.append(
            {
                "month": month,
                "agree": same,
                **{k: {"report": a, "direct": b} for k, (a, b) in pairs.items()},
            }
        )
    return {"conversion": dict(sorted(stats.items())), "import": imported,
            "import_seconds": round(import_seconds, 1), "agree": agree, "months": months,
            "by_agent": _bank_by_agent()}  # fmt: skip


def _bank_by_agent() -> dict[str, Any]:
    """Each month by agent from the agent day table equals the core's report from intervals."""
    from zoneinfo import ZoneInfo

    from distans.accounts.models import Organisation
    from distans.core.reports.aggregate import COLUMN_NAMES, ContactCounts
    from distans.core.reports.periods import Granularity
    from distans.core.reports.records import DIMENSIONS, GroupKey
    from distans.core.reports.report import build_report, local_date_range
    from distans.reports.models import IntervalAggregate
    from distans.reports.queries import metric_options, report_rows

    org = Organisation.objects.get(slug="bank")
    zone = ZoneInfo(org.time_zone)
    intervals = {
        (row["interval_start"], GroupKey(*(row[d] for d in DIMENSIONS))): ContactCounts.from_columns(row)
        for row in IntervalAggregate.objects.for_org(org).values("interval_start", *DIMENSIONS, *COLUMN_NAMES)
    }  # fmt: skip
    first, last = date(1999, 1, 1), date(1999, 3, 31)
    start, end = local_date_range(first, last, zone)
    started = time.perf_counter()
    got = report_rows(org, first, last, Granularity.MONTH, group_by=["agent"])
    seconds = time.perf_counter() - started
    expected = build_report(intervals, Granularity.MONTH, zone, options=metric_options(org),
                            group_by=["agent"], start=start, end=end, logged_in_rows={})  # fmt: skip
    return {"agree": got == expected, "rows": len(got), "agents": len({r.group["agent"] for r in got}),
            "seconds": round(seconds, 3)}  # fmt: skip


def _insert_synthetic(org_id: int, contacts: int) -> dict[str, Any]:
    from django.db import connection

    from distans.core.reports.aggregate import COLUMN_NAMES, THRESHOLDS_SECONDS
    from distans.reports.aggregation import rebuild_daily

    per_interval = max(1, round(contacts / (365 * 36) / 2))
    values = []
    for column in COLUMN_NAMES:
        if column == "offered":
            values.append("2")
        elif column == "answered":
            values.append("2 - (k % 10 = 0)::int")
        elif column == "abandoned":
            values.append("(k % 10 = 0)::int")
        elif column == "other":
            values.append("0")
        elif column.startswith("answered_within_"):
            t = int(column.rsplit("_", 1)[1])
            values.append("2 - (k % 10 = 0)::int" if t >= 20 else "0")
        elif column.startswith("abandoned_within_"):
            t = int(column.rsplit("_", 1)[1])
            values.append("(k % 10 = 0)::int" if t >= 45 else "0")
        elif column == "wait_answered_ms":
            values.append("(2 - (k % 10 = 0)::int) * 15000")
        elif column == "wait_abandoned_ms":
            values.append("(k % 10 = 0)::int * 40000")
        elif column == "max_wait_ms":
            values.append("40000")
        elif column == "talk_ms":
            values.append("(2 - (k % 10 = 0)::int) * 180000")
        elif column == "wrap_up_ms":
            values.append("(2 - (k % 10 = 0)::int) * 20000")
    assert len(THRESHOLDS_SECONDS) * 2 + 9 == len(COLUMN_NAMES)
    sql = f"""
        INSERT INTO reports_intervalaggregate (organisation_id, interval_start, queue, channel, topic,
            team, agent, location, {", ".join(COLUMN_NAMES)})
        SELECT {org_id}, ((date '2025-01-01' + d) + time '08:00' + i * interval '15 minutes')
                   AT TIME ZONE 'Europe/Stockholm',
               'q' || ((k + i) % 5), (ARRAY['phone', 'email', 'chat'])[1 + (k + d) % 3],
               'topic ' || ((k * 7 + i + d) % 12),
               (k % 20)::text, (k + 1)::text, (1 + k % 2)::text, {", ".join(values)}
        FROM generate_series(0, 364) d, generate_series(0, 35) i, generate_series(0, {per_interval - 1}) k
    """  # noqa: S608
    logged_in = f"""
        INSERT INTO reports_loggedinaggregate (organisation_id, interval_start, team, agent,
            location, logged_in_ms)
        SELECT {org_id}, ((date '2025-01-01' + d) + time '08:00' + i * interval '15 minutes')
                   AT TIME ZONE 'Europe/Stockholm',
               (k % 20)::text, (k + 1)::text, (1 + k % 2)::text, 900000
        FROM generate_series(0, 364) d, generate_series(0, 35) i, generate_series(0, {per_interval - 1}) k
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute(logged_in)
        cursor.execute("ANALYZE reports_intervalaggregate")
        cursor.execute("ANALYZE reports_loggedinaggregate")
    started = time.perf_counter()
    rebuild_daily(org_id)  # the product's own rebuild of the day tables from the intervals
    rebuild_seconds = time.perf_counter() - started
    counts = {}
    with connection.cursor() as cursor:
        for table in ("intervalaggregate", "loggedinaggregate", "dailyaggregate",
                      "agentdailyaggregate", "loggedindailyaggregate", "reportdimensionvalue"):  # fmt: skip
            cursor.execute(f"ANALYZE reports_{table}")
            cursor.execute(
                f"SELECT count(*) FROM reports_{table} WHERE organisation_id = %s",  # noqa: S608
                [org_id],
            )
            counts[table] = cursor.fetchone()[0]
    counts["rebuild_day_tables_seconds"] = round(rebuild_seconds, 1)
    return counts


def _timed(function: Any, repeat: int = 5) -> dict[str, float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(seconds), 4), "max_s": round(max(seconds), 4)}


def time_queries(contacts: int) -> dict[str, Any]:
    from distans.accounts.models import Organisation
    from distans.core.reports.periods import Granularity
    from distans.core.reports.records import DIMENSIONS
    from distans.reports.queries import dimension_values, report_rows

    org = Organisation.objects.create(name=f"Synthetic {contacts}", slug=f"synthetic-{contacts}",
                                      time_zone="Europe/Stockholm")  # fmt: skip
    started = time.perf_counter()
    tables = _insert_synthetic(org.pk, contacts)
    insert_seconds = time.perf_counter() - started
    june = (date(2025, 6, 1), date(2025, 6, 30))
    day = (date(2025, 12, 31), date(2025, 12, 31))
    year = (date(2025, 1, 1), date(2025, 12, 31))
    one_agent = {"agent": {"7"}}
    queries = {
        "day_by_interval": lambda: report_rows(org, *day, Granularity.INTERVAL),
        "wallboard_today_by_queue": lambda: report_rows(
            org, *day, Granularity.DAY, group_by=["queue"]
        ),
        "month_by_day": lambda: report_rows(org, *june, Granularity.DAY),
        "month_by_day_one_queue": lambda: report_rows(
            org, *june, Granularity.DAY, filters={"queue": {"q1"}}
        ),
        "month_by_queue": lambda: report_rows(org, *june, Granularity.MONTH, group_by=["queue"]),
        "month_by_team": lambda: report_rows(org, *june, Granularity.MONTH, group_by=["team"]),
        "month_by_agent": lambda: report_rows(org, *june, Granularity.MONTH, group_by=["agent"]),
        "month_by_day_one_agent": lambda: report_rows(
            org, *june, Granularity.DAY, filters=one_agent
        ),
        "month_by_agent_one_queue": lambda: report_rows(
            org, *june, Granularity.MONTH, group_by=["agent"], filters={"queue": {"q1"}}
        ),
        "month_one_agent_by_queue": lambda: report_rows(
            org, *june, Granularity.MONTH, group_by=["queue"], filters=one_agent
        ),
        "year_by_month": lambda: report_rows(org, *year, Granularity.MONTH),
        "year_by_month_by_queue": lambda: report_rows(
            org, *year, Granularity.MONTH, group_by=["queue"]
        ),
        "year_by_month_by_team": lambda: report_rows(
            org, *year, Granularity.MONTH, group_by=["team"]
        ),
        "year_by_month_by_agent": lambda: report_rows(
            org, *year, Granularity.MONTH, group_by=["agent"]
        ),
        "page_filter_choices": lambda: [dimension_values(org, d) for d in DIMENSIONS],
    }
    check = report_rows(org, *year, Granularity.MONTH)
    by_agent = report_rows(org, *june, Granularity.MONTH, group_by=["agent"])
    return {
        "contacts": sum(r.metrics.offered for r in check),
        "agents_in_june": len(by_agent),
        "june_by_agent_offered": sum(r.metrics.offered for r in by_agent),
        "june_offered": sum(r.metrics.offered for r in report_rows(org, *june, Granularity.MONTH)),
        "rows": tables, "insert_seconds": round(insert_seconds, 1),
        "queries": {name: _timed(fn) for name, fn in queries.items()},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/anonymous_bank_1999")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--skip-bank", action="store_true")
    args = parser.parse_args()
    _setup(args.database_url)
    result: dict[str, Any] = {"database": "postgresql", "cpu_count": os.cpu_count()}
    if not args.skip_bank:
        result["bank_validation"] = validate_bank(Path(args.data))
    result["sizes"] = [time_queries(int(n)) for n in args.sizes.split(",") if n]
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
