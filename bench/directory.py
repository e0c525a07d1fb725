"""Switchboard directory search (issue 19): as-you-type latency at 10,000 and 100,000
entries. Target: p99 ≤ 50 ms at 10,000.

For each size (``--sizes``), in a temporary var dir with its own SQLite database (or
``--postgres`` for a scratch PostgreSQL database), an organisation's directory is
filled with generated people (the demo's names, departments, roles and keywords;
rows and their search terms bulk-inserted with the same normalisation the actions
use). Then every prefix of a set of typed queries ("a", "an", "ann", … "per str",
"skolskj", an extension) is searched as the console does:

- ``query_ms``: ``queries.find`` + ``queries.presence_of`` (the fragment's reads);
- ``request_ms``: a GET of ``/switchboard/search/?q=…`` by a logged-in operator
  through Django's test client (the whole view with its template, no network).

Also ``csv_import_rows_per_s``: a 1,000-line CSV through ``do_import_directory_csv``
(the action an administrator's upload calls). Output: one JSON object.

    .venv/bin/python bench/directory.py --sizes 10000 100000 [--postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TYPED = ["anna", "bygglov", "socialsekr", "strand", "per str", "skolskjuts", "oberg", "miljo",
         "lindberg karin", "hemtjanst", "20042", "kommunledning", "zzz"]


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 2), "p99": round(p99, 2),
            "max": round(ordered[-1], 2)}


def _prefixes() -> list[str]:
    return [word[:n] for word in TYPED for n in range(1, len(word) + 1)]


def fill(org: Any, size: int) -> None:
    from django.db import connection

    from distans.switchboard import search
    from distans.switchboard.demo import DEPARTMENTS, FIRST, LAST
    from distans.switchboard.models import DirectoryEntry, SearchTerm

    rng = random.Random(size)
    names = list(DEPARTMENTS)
    batch: list[tuple[DirectoryEntry, list[str]]] = []

    def flush() -> None:
        DirectoryEntry.objects.bulk_create([e for e, _ in batch], batch_size=2000)
        SearchTerm.objects.bulk_create(
            [SearchTerm(organisation=org, entry=e, term=t) for e, terms in batch for t in terms], batch_size=5000)
        batch.clear()

    for n in range(size):
        department = names[n % len(names)]
        stem, roles = DEPARTMENTS[department]
        role, keywords = roles[rng.randrange(len(roles))]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        phone = f"+4655{n:07d}"
        email = f"p{n}@{stem}.example"
        terms = search.entry_words(name, role, department, keywords, email.split("@")[0], phone)
        entry = DirectoryEntry(organisation=org, name=name, title=role, department=department, keywords=keywords,
                               phone=phone, email=email, source="csv", external_id=f"b{n}",
                               search_text=search.search_text_of(terms))
        batch.append((entry, terms))
        if len(batch) >= 2000:
            flush()
    flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a table in use


def measure(size: int, repeat: int) -> dict[str, Any]:
    from django.test import Client

    from distans.accounts.models import Organisation, Person
    from distans.switchboard import queries
    from distans.switchboard.models import DirectoryEntry

    org = Organisation.objects.create(name=f"Directory bench {size}", slug=f"directory-bench-{size}")
    started = time.perf_counter()
    fill(org, size)
    fill_s = time.perf_counter() - started
    operator = Person.objects.create_user(f"op{size}@bench.example", None, full_name="Växeln", organisation=org)
    client = Client()
    client.force_login(operator)
    prefixes = _prefixes()
    for q in prefixes:  # warm the caches once, as a running server is
        queries.find(org.pk, q)
    query_ms: list[float] = []
    request_ms: list[float] = []
    hits: dict[str, int] = {}
    by_prefix: dict[str, list[float]] = {}
    for _ in range(repeat):
        for q in prefixes:
            started = time.perf_counter()
            found = queries.find(org.pk, q)
            queries.presence_of(found)
            query_ms.append((time.perf_counter() - started) * 1000)
            by_prefix.setdefault(q, []).append(query_ms[-1])
            hits[q] = len(found)
            started = time.perf_counter()
            response = client.get("/switchboard/search/", {"q": q}, headers={"HX-Request": "true"})
            request_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    return {
        "entries": DirectoryEntry.objects.filter(organisation=org).count(),
        "fill_s": round(fill_s, 1),
        "searches": len(prefixes) * repeat,
        "query_ms": _summary(query_ms),
        "request_ms": _summary(request_ms),
        "hits_full_words": {w: hits[w] for w in TYPED},
        "slowest_query_median_ms": dict(
            sorted(((q, round(statistics.median(v), 1)) for q, v in by_prefix.items()),
                   key=lambda item: -item[1])[:8]
        ),
    }


def csv_rate(rows: int) -> float:
    from distans.accounts.models import Organisation
    from distans.switchboard.actions import do_import_directory_csv
    from distans.switchboard.demo import demo_directory_csv

    org = Organisation.objects.create(name="CSV bench", slug="directory-csv-bench")
    data = demo_directory_csv(rows, seed=7, domain="bench.example")
    started = time.perf_counter()
    result = do_import_directory_csv(org.pk, None, data)
    assert result.created == rows, result.as_dict()
    return round(rows / (time.perf_counter() - started), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    out: dict[str, Any] = {
        "bench": "directory",
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    pg_name = f"distans_dir_bench_{os.getpid()}" if args.postgres else ""
    with tempfile.TemporaryDirectory(prefix="distans-directory-") as tmp:
        os.environ["DISTANS_VAR_DIR"] = tmp
        os.environ["DJANGO_SETTINGS_MODULE"] = "distans.config.settings"
        os.environ.pop("REDIS_URL", None)
        os.environ.pop("DATABASE_URL", None)
        if pg_name:
            import psycopg

            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
                c.execute(f"CREATE DATABASE {pg_name}")
            os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{pg_name}"
        try:
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
            from django.test.utils import setup_test_environment

            setup_test_environment()  # the test client's host, once per process
            out["database"] = "postgresql" if pg_name else "sqlite"
            out["csv_import_rows_per_s"] = csv_rate(1000)
            out["sizes"] = {str(size): measure(size, args.repeat) for size in args.sizes}
        finally:
            if pg_name:
                from django.db import connections

                connections.close_all()
                import psycopg

                with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
                    c.execute(f"DROP DATABASE IF EXISTS {pg_name}")
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
