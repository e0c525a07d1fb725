"""How long `make demo` takes before it serves: migrations and the demo organisation
(people, queues, eight weeks of history through the contact import, week rosters),
on a fresh embedded database, then once more on the same database (a second start).

    .venv/bin/python bench/demo_startup.py

Prints one JSON object. Runs in a temporary directory (its own SQLite); needs nothing
else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

STEP = r"""
import os, time, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
import django
django.setup()
from django.core.management import call_command
t0 = time.perf_counter()
call_command("migrate", interactive=False, verbosity=0)
t1 = time.perf_counter()
from distans.demo.data import load_demo
from distans.demo import history
calls = []
original = history.load_history
def timed(*args, **kwargs):
    start = time.perf_counter()
    try:
        return original(*args, **kwargs)
    finally:
        calls.append(time.perf_counter() - start)
history.load_history = timed
import distans.planning.demo as planning_demo
planning_demo.load_history = timed
load_demo()
t2 = time.perf_counter()
from distans.reports.models import ImportedContact
print(json.dumps({"migrate_s": round(t1 - t0, 2), "load_demo_s": round(t2 - t1, 2),
                  "history_s": round(sum(calls), 2),
                  "history_contacts": ImportedContact.objects.count()}))
"""


def _run(var_dir: str) -> dict[str, float]:
    env = {**os.environ, "DISTANS_VAR_DIR": var_dir, "DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", STEP], env=env, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    result["process_s"] = round(time.perf_counter() - started, 2)
    return result


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="distans-demo-bench-") as var_dir:
        first = _run(var_dir)
        second = _run(var_dir)
    load = os.getloadavg()[0]
    print(json.dumps({"benchmark": "demo_startup", "first_start": first,
                      "second_start": second, "load_average_1min": round(load, 1),
                      "cpus": os.cpu_count()}))  # fmt: skip


if __name__ == "__main__":
    main()
