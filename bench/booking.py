"""The public booking page under 100 concurrent visitors, on PostgreSQL (issue 19).

A scratch PostgreSQL database with one organisation and one service (15-minute ID
checks, capacity 2 per slot, open 08–16 every day of the week, no staff), and a real
`distans serve` (one process, uvicorn) on it. ``--visitors`` (default 100) visitors
start at once, as asyncio tasks with their own HTTP client each (cookies, CSRF): each
opens the service's slot page, picks one of the first ``--hot`` free times at random
(so they collide on purpose), opens the details form and books. A visitor told "that
time is no longer free" starts over (at most ``--attempts`` times).

Measured: latency of the slot page and of the booking POST (p50 / p99 / max, ms), the
whole run's wall time, bookings made, collisions (refused bookings). Checked after the
run, in the database: no slot holds more visitors than its capacity and no seat is
taken twice — ``double_bookings`` must be 0.

Output: one JSON object.

    .venv/bin/python bench/booking.py --visitors 100
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# Office hours every day of the week, so the bench finds free times whatever day it runs.
OFFICE_HOURS = {str(d): [["08:00", "16:00"]] for d in range(7)}
SLOT = re.compile(r'name="slot" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered), 1),
        "p99": round(p99, 1),
        "max": round(ordered[-1], 1),
    }


def _postgres(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(statement)


def setup(var_dir: Path, database: str) -> tuple[str, int]:
    os.environ["DISTANS_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "distans.config.settings"
    os.environ["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from distans.accounts.models import Organisation, Site
    from distans.routing.models import Queue
    from distans.visits.models import VisitService

    call_command("migrate", interactive=False, verbosity=0)
    org = Organisation.objects.create(name="Booking bench", slug="booking-bench")
    site = Site.objects.create(organisation=org, name="Servicecenter", kind="office")
    queue = Queue.objects.create(
        organisation=org, name="Besök", code="besok", weekly_hours=OFFICE_HOURS, holiday_country=""
    )
    service = VisitService.objects.create(
        organisation=org, name="ID-kontroll", site=site, hours_queue=queue,
        duration_minutes=15, min_notice_hours=1, horizon_days=14, capacity_per_slot=2,
    )  # fmt: skip
    connections.close_all()
    return org.slug, service.pk


def start_server(var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DISTANS_VISIT_BOOKINGS_PER_HOUR": "100000",
           "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "distans", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(var_dir / "server.log").open("w"),
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((var_dir / "server.log").read_text()[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


async def visitor(
    n: int, base: str, slug: str, service_id: int, hot: int, attempts: int,
    start: asyncio.Event, timings: dict[str, list[float]], outcome: dict[str, int],
) -> None:  # fmt: skip
    import httpx

    rng = random.Random(n)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await start.wait()
        for _attempt in range(attempts):
            began = time.perf_counter()
            page = await client.get(f"/visits/book/{slug}/{service_id}/?lang=sv")
            timings["slot_page"].append((time.perf_counter() - began) * 1000)
            if page.status_code != 200:
                key = f"slot_page_http_{page.status_code}"
                outcome[key] = outcome.get(key, 0) + 1
                return
            slots = SLOT.findall(page.text)
            if not slots:
                outcome["no_slot"] += 1
                return
            slot = rng.choice(slots[:hot])
            form = await client.get(
                f"/visits/book/{slug}/{service_id}/details/", params={"slot": slot, "lang": "sv"}
            )
            token = CSRF.search(form.text)
            data = {
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "slot": slot, "lang": "sv", "name": f"Besökare {n}",
                "email": f"visitor{n}@bench.example", "consent": "on",
            }  # fmt: skip
            began = time.perf_counter()
            answer = await client.post(
                f"/visits/book/{slug}/{service_id}/details/",
                data=data,
                headers={"Referer": base + "/"},
            )
            timings["book"].append((time.perf_counter() - began) * 1000)
            location = answer.headers.get("location", "")
            if answer.status_code == 302 and "/visits/manage/" in location:
                outcome["booked"] += 1
                return
            if answer.status_code == 302:
                outcome["collisions"] += 1
                continue
            outcome[f"http_{answer.status_code}"] = outcome.get(f"http_{answer.status_code}", 0) + 1
            return
        outcome["gave_up"] += 1


async def run(
    base: str, slug: str, service_id: int, visitors: int, hot: int, attempts: int
) -> dict[str, Any]:
    timings: dict[str, list[float]] = {"slot_page": [], "book": []}
    outcome = {"booked": 0, "collisions": 0, "gave_up": 0, "no_slot": 0}
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(
            visitor(n, base, slug, service_id, hot, attempts, start, timings, outcome)
        )
        for n in range(visitors)
    ]
    await asyncio.sleep(0.5)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - began
    return {
        **outcome,
        "wall_seconds": round(wall, 2),
        "bookings_per_second": round(outcome["booked"] / wall, 1) if wall else 0,
        "slot_page_ms": _summary(timings["slot_page"]),
        "book_ms": _summary(timings["book"]),
        "requests": {k: len(v) for k, v in timings.items()},
    }


def double_bookings() -> dict[str, int]:
    from django.db.models import Count, F, Max

    from distans.visits.choices import ACTIVE_STATUSES
    from distans.visits.models import Visit

    active = Visit.objects.filter(status__in=ACTIVE_STATUSES)
    over = (
        active.values("service_id", "starts_at")
        .annotate(n=Count("pk"), capacity=Max("service__capacity_per_slot"))
        .filter(n__gt=F("capacity"))
        .count()
    )
    seats = (
        active.values("service_id", "starts_at", "seat")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {"visits": active.count(), "slots_over_capacity": over, "seats_taken_twice": seats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument(
        "--hot", type=int, default=10, help="visitors pick among the first N free times"
    )
    parser.add_argument("--attempts", type=int, default=8)
    args = parser.parse_args()
    database = f"distans_booking_bench_{os.getpid()}"
    _postgres(f"CREATE DATABASE {database}")
    out: dict[str, Any] = {
        "bench": "booking",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_before": [round(x, 1) for x in os.getloadavg()],
        "database": "postgresql",
        "server": "distans serve (1 process)",
        "visitors": args.visitors,
        "hot_slots": args.hot,
        "capacity_per_slot": 2,
    }
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="distans-booking-bench-") as tmp:
            var_dir = Path(tmp)
            slug, service_id = setup(var_dir, database)
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            server = start_server(var_dir, port)
            out.update(asyncio.run(run(f"http://127.0.0.1:{port}", slug, service_id,
                                       args.visitors, args.hot, args.attempts)))  # fmt: skip
            log = (var_dir / "server.log").read_text(errors="replace")
            out["server_errors"] = {
                name: log.count(name)
                for name in ("too many clients", "OperationalError", "Traceback")
                if name in log
            }
            check = double_bookings()
            out["check"] = check
            out["double_bookings"] = check["slots_over_capacity"] + check["seats_taken_twice"]
            server.terminate()
            server.wait(timeout=20)
            server = None
            from django.db import connections

            connections.close_all()
    finally:
        if server is not None:
            server.kill()
        _postgres(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    out["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
