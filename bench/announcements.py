"""Announcements at scale (issue 17): one announcement to 5,000 people, and reach
against a month of schedule.

1. **Reach** (in this process, a temporary var dir with its own SQLite database, or
   ``--postgres`` for a scratch PostgreSQL database): an organisation of ``--people``
   (default 5,000) in 10 teams with a published schedule for every weekday of a month
   (one shift per person and day, ~110,000 shifts); one must-acknowledge announcement
   sent to everyone (``do_send_announcement``: audience, 5,000 receipts, the live
   event); 60 % acknowledge. Then ``queries.reach`` (one announcement) and
   ``queries.reach_board`` (overall and per team, what the team leader's page and the
   wallboard show) are timed ``--repeat`` times each: p50 / p99 / max in ms. The
   target is ≤ 100 ms.
2. **Fan-out** (``--fanout-clients N``, optional): the time until every connected desk
   has the event is measured at the fan-out layer by ``bench/fanout.py`` (N real
   websockets against a real ``distans serve``), not with N browsers. The announcement
   event (``announcement`` to the organisation's group) takes the same path as the
   event that bench measures (one ``group_send`` to a group every socket joined → the
   process's feed → each socket), so its figures are the announcement's. A desk then
   re-fetches its fragment (one GET per person), which this does not measure.

Output: one JSON object.

    .venv/bin/python bench/announcements.py --people 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered), 2),
        "p99": round(p99, 2),
        "max": round(ordered[-1], 2),
    }


def setup(people: int) -> Any:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from distans.accounts.models import Organisation, Person, Team
    from distans.planning.models import Schedule, Shift

    call_command("migrate", interactive=False, verbosity=0)
    org = Organisation.objects.create(name="Announcement bench", slug="announcement-bench")
    teams = [Team.objects.create(organisation=org, name=f"Lag {n}") for n in range(10)]
    rows = []
    for i in range(people):
        person = Person(
            email=f"p{i}@announcements.example",
            full_name=f"Person {i}",
            organisation=org,
            team=teams[i % 10],
        )
        person.set_unusable_password()
        rows.append(person)
    Person.objects.bulk_create(rows, batch_size=1000)
    boss = Person.objects.create_user(
        "boss@announcements.example", None, full_name="Chef", organisation=org, is_supervisor=True
    )
    ids = list(
        Person.objects.filter(organisation=org, is_supervisor=False).values_list("pk", "team_id")
    )
    today = timezone.localdate()
    first = today - dt.timedelta(days=14)
    shifts = []
    schedules: dict[dt.date, Schedule] = {}
    zone = timezone.get_current_timezone()
    for offset in range(31):
        day = first + dt.timedelta(days=offset)
        if day.weekday() >= 5 and day != today:
            continue
        week = day - dt.timedelta(days=day.weekday())
        if week not in schedules:
            schedules[week] = Schedule.objects.create(
                organisation=org, week_start=week, status="published", published_at=timezone.now()
            )
        for n, (pid, team_id) in enumerate(ids):
            start = dt.datetime.combine(day, dt.time(7 + n % 5), tzinfo=zone)
            shifts.append(
                Shift(
                    organisation=org,
                    schedule=schedules[week],
                    person_id=pid,
                    team_id=team_id,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=8),
                    location="home" if n % 3 else "office",
                )
            )
    Shift.objects.bulk_create(shifts, batch_size=5000)
    from django.db import connection

    if connection.vendor == "postgresql":  # as autovacuum would after such a load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return org, boss, len(shifts)


def measure(org: Any, boss: Any, repeat: int) -> dict[str, Any]:
    from django.utils import timezone

    from distans.announcements import actions, queries
    from distans.announcements.models import Announcement, Receipt

    announcement = Announcement.objects.create(
        organisation=org,
        created_by=boss,
        title_sv="Nya regler",
        body_sv="Läs.",
        priority="acknowledge",
        audience_kind="everyone",
    )
    started = time.perf_counter()
    sent_to = actions.do_send_announcement(announcement)
    send_ms = (time.perf_counter() - started) * 1000
    receipts = list(Receipt.objects.filter(announcement=announcement).values_list("pk", flat=True))
    chosen = receipts[: int(len(receipts) * 0.6)]
    Receipt.objects.filter(pk__in=chosen).update(
        acknowledged_at=timezone.now(), acknowledged_version=announcement.ack_version
    )
    announcement.refresh_from_db()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    reach_ms, board_ms = [], []
    result = queries.reach(announcement)
    for _ in range(repeat):
        started = time.perf_counter()
        result = queries.reach(announcement)
        reach_ms.append((time.perf_counter() - started) * 1000)
    board = queries.reach_board(org)
    for _ in range(repeat):
        started = time.perf_counter()
        board = queries.reach_board(org)
        board_ms.append((time.perf_counter() - started) * 1000)
    return {
        "sent_to": sent_to,
        "send_ms": round(send_ms, 1),
        "reach": {
            "working": result.working,
            "acknowledged": result.acknowledged,
            "in_time": result.in_time,
        },
        "reach_ms": _summary(reach_ms),
        "reach_board_teams": len(board[0]["teams"]) if board else 0,
        "reach_board_ms": _summary(board_ms),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database")
    parser.add_argument("--fanout-clients", type=int, default=0)
    parser.add_argument("--fanout-events", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    out: dict[str, Any] = {
        "bench": "announcements",
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "people": args.people,
    }
    pg_name = f"distans_ann_bench_{os.getpid()}" if args.postgres else ""
    with tempfile.TemporaryDirectory(prefix="distans-announcements-") as tmp:
        os.environ["DISTANS_VAR_DIR"] = tmp
        os.environ["DJANGO_SETTINGS_MODULE"] = "distans.config.settings"
        os.environ.pop("REDIS_URL", None)
        os.environ.pop("DATABASE_URL", None)
        if pg_name:
            import psycopg

            with psycopg.connect(
                "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
            ) as c:
                c.execute(f"CREATE DATABASE {pg_name}")
            os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{pg_name}"
        try:
            started = time.perf_counter()
            org, boss, shifts = setup(args.people)
            out["database"] = "postgresql" if pg_name else "sqlite"
            out["shifts"] = shifts
            out["setup_s"] = round(time.perf_counter() - started, 1)
            out.update(measure(org, boss, args.repeat))
        finally:
            if pg_name:
                from django.db import connections

                connections.close_all()
                import psycopg

                with psycopg.connect(
                    "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
                ) as c:
                    c.execute(f"DROP DATABASE IF EXISTS {pg_name}")
    if args.fanout_clients:
        fanout = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "fanout.py"),
                "--clients",
                str(args.fanout_clients),
                "--events",
                str(args.fanout_events),
            ],  # fmt: skip
            capture_output=True,
            text=True,
        )
        lines = fanout.stdout.strip().splitlines()
        out["fanout"] = (
            json.loads(lines[-1])
            if fanout.returncode == 0 and lines
            else {"error": fanout.stderr[-500:]}
        )
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
