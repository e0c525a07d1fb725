"""Continuity plans at scale (issue 20): putting a plan in force and ending it with
200 queues and 2,000 agents. Target: applying < 1 s.

In this process, a temporary var dir with its own SQLite database (or ``--postgres``
for a scratch PostgreSQL database): an organisation of ``--queues`` queues (weekly
hours, texts, an overflow) and ``--agents`` agents, each serving 3 queues, plus the
queue ``q000`` every agent serves. The plan, made as a person makes it (a copy of
today's setup, edited): every queue gets new weekly hours and waiting texts; a
temporary queue ``corona`` with a chat widget, a phone line, a staffing target and a
topic; every agent of ``q000`` also serves ``corona`` (2,000 memberships); an office
seat cap; cohort rules; a must-acknowledge announcement to everyone (2,000 receipts).

Timed, ``--repeat`` times each: the preview (the readable difference and the
rolled-back dry run), ``do_activate_plan`` and ``do_deactivate_plan``: the
transaction through its COMMIT (what "applied" means: every change is in force in
every process from then on) apart from the work after the commit (the announcement's
sending to 2,000 people, the full routing round, run inline here with
``DISTANS_ROUTING_MODE=inline``, and the live events). Wall and CPU seconds of this
process both: on a machine shared with others, CPU time is the fairer figure for
SQLite (in-process); with ``--postgres`` the database's work is in another process.
Checked each time: the export after ending equals the export before.

Output: one JSON object.

    .venv/bin/python bench/continuity.py [--postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LONG = {str(d): [["07:00", "19:00"]] for d in range(7)}


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 3),
        "max": round(ordered[-1], 3),
        "min": round(ordered[0], 3),
    }


def setup(queues: int, agents: int) -> tuple[Any, Any, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", interactive=False, verbosity=0)
    from distans.accounts.models import Organisation, Person, Site
    from distans.continuity import actions, plan_data
    from distans.planning.models import PlanningSettings
    from distans.routing.models import AgentState, Queue
    from distans.topics.models import Topic

    with transaction.atomic():
        org = Organisation.objects.create(name="Bench", slug="bench")
        Site.objects.create(organisation=org, name="Kontoret", kind="office", seat_capacity=40)
        Site.objects.create(organisation=org, name="Hemma", kind="home")
        PlanningSettings.objects.create(organisation=org)
        Topic.objects.create(organisation=org, code="corona", name="Corona")
        weekdays = {str(d): [["08:00", "16:30"]] for d in range(5)}
        Queue.objects.bulk_create(
            [
                Queue(
                    organisation=org, code=f"q{i:03d}", name=f"Kö {i}", weekly_hours=weekdays,
                    holiday_country="SE", channels=["chat", "phone"],
                    overflow=[{"to": "q000", "when_no_agents": True}] if i else [],
                    waiting_texts={"sv": {"waiting": "Du står i kö."}},
                )
                for i in range(queues)
            ]
        )  # fmt: skip
        boss = Person.objects.create_user(
            "boss@bench.test", "x", organisation=org, is_supervisor=True, full_name="Chef"
        )
        people = Person.objects.bulk_create(
            [
                Person(
                    email=f"a{i}@bench.test",
                    full_name=f"Agent {i}",
                    organisation=org,
                    is_agent=True,
                    password="!",  # noqa: S106 - Django's mark for "no usable password"
                )
                for i in range(agents)
            ]
        )
        states = AgentState.objects.bulk_create(
            [AgentState(organisation=org, person=p) for p in people], batch_size=1000
        )
        all_queues = list(Queue.objects.for_org(org).order_by("code"))
        through = AgentState.queues.through
        rows = []
        for i, state in enumerate(states):
            rows.append(through(agentstate_id=state.pk, queue_id=all_queues[0].pk))
            for k in range(1, 3):
                rows.append(
                    through(
                        agentstate_id=state.pk,
                        queue_id=all_queues[1 + (i * 3 + k) % (queues - 1)].pk,
                    )
                )
        through.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)

    plan = actions.do_create_plan(org, boss, "B — alla hemma")
    document = plan_data.normalise(plan.changes)
    for queue in document["queues"]:
        queue["weekly_hours"] = LONG
        queue["waiting_texts"] = {"sv": {"waiting": "Vi arbetar hemifrån."}}
    document["queues"].append(
        {**document["queues"][1], "code": "corona", "name": "Corona", "overflow": []}
    )
    document["chat_widgets"] = [
        {"key": "bench-corona", "name": "Coronachatt", "queue": "corona", "allowed_origins": [], "greetings": {}, "topics": [], "active": True}
    ]  # fmt: skip
    document["phone_lines"] = [{"number": "+4655599999", "name": "Coronalinjen", "queue": "corona"}]
    document["topics"] = [{"code": "corona-vaccin", "name": "Vaccin", "parent": "corona"}]
    document["agent_queues"] = [{"queue": "corona", "like": "q000"}]
    document["return_to"] = {"corona": "q000"}
    document["sites"] = [{"name": "Kontoret", "seat_capacity": 4}]
    document["planning"] = {"teams_apart_at_office": True, "min_office_days_per_team": 0}
    document["staffing"] = [
        {
            "queue": "corona",
            "service_level": 0.7,
            "answer_within_seconds": 120,
            "uplift_factor": 1.0,
        }
    ]
    document["home_only"] = True
    document["announcement"] = {
        "title_sv": "Plan B gäller",
        "body_sv": "Alla arbetar hemifrån.",
        "blocks_available": False,
    }
    plan = actions.do_save_plan(org, boss, plan, {"changes": document})
    return org, boss, plan


class _Deferred:
    """Collects after-commit work instead of running it, so the transaction (through
    its COMMIT) and the work after it (the announcement's sending, the routing round,
    the live events) are timed apart."""

    def __init__(self) -> None:
        self.callbacks: list[Any] = []

    def __enter__(self) -> _Deferred:
        from django.db import transaction

        self._original = transaction.on_commit
        transaction.on_commit = lambda func, using=None, robust=False: self.callbacks.append(func)  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: Any) -> None:
        from django.db import transaction

        transaction.on_commit = self._original  # type: ignore[assignment]

    def run(self) -> None:
        for callback in self.callbacks:
            callback()


def _timed(function: Any) -> tuple[float, float, float, float]:
    """(wall s, CPU s of this process) of the transaction, then of the work after it."""
    wall, cpu = time.perf_counter(), time.process_time()
    with _Deferred() as deferred:
        function()
    wall_tx, cpu_tx = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    deferred.run()
    return wall_tx, cpu_tx, time.perf_counter() - wall, time.process_time() - cpu


def measure(org: Any, boss: Any, plan: Any, repeat: int) -> dict[str, Any]:
    from distans.continuity import actions
    from distans.setup.config import export_config

    timings: dict[str, list[float]] = {}
    restored = True
    items = 0
    for _ in range(repeat):
        before = export_config(org)
        started = time.perf_counter()
        found, error = actions.preview(org, plan)
        timings.setdefault("preview_s", []).append(time.perf_counter() - started)
        assert error is None, error
        items = len(found)
        for name, function in (
            ("activate", lambda: actions.do_activate_plan(org, boss, plan)),
            ("deactivate", lambda: actions.do_deactivate_plan(org, boss)),
        ):
            wall_tx, cpu_tx, wall_after, cpu_after = _timed(function)
            timings.setdefault(f"{name}_transaction_wall_s", []).append(wall_tx)
            timings.setdefault(f"{name}_transaction_cpu_s", []).append(cpu_tx)
            timings.setdefault(f"{name}_after_commit_wall_s", []).append(wall_after)
            timings.setdefault(f"{name}_after_commit_cpu_s", []).append(cpu_after)
        restored = restored and export_config(org) == before
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from distans.announcements.models import Receipt

    queries = {}
    for name, function in (
        ("activate", lambda: actions.do_activate_plan(org, boss, plan)),
        ("deactivate", lambda: actions.do_deactivate_plan(org, boss)),
    ):
        with _Deferred(), CaptureQueriesContext(connection) as captured:
            function()
        queries[f"{name}_transaction_queries"] = len(captured.captured_queries)
    return {
        "changed_items": items,
        **queries,
        **{name: _summary(values) for name, values in timings.items()},
        "receipts_sent": Receipt.objects.filter(organisation=org).count(),
        "export_after_equals_before": restored,
        "target_s": 1.0,
    }


def profile(org: Any, boss: Any, plan: Any, path: str) -> None:
    """cProfile of one activation's and one end's transaction (after-commit work apart)."""
    import cProfile

    from distans.continuity import actions

    for name, function in (
        ("activate", lambda: actions.do_activate_plan(org, boss, plan)),
        ("deactivate", lambda: actions.do_deactivate_plan(org, boss)),
    ):
        profiler = cProfile.Profile()
        with _Deferred() as deferred:
            profiler.enable()
            function()
            profiler.disable()
        deferred.run()
        profiler.dump_stats(f"{path}.{name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=200)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="also write cProfile stats of one activation and one end (FILE.activate, FILE.deactivate)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    out: dict[str, Any] = {
        "bench": "continuity",
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "queues": args.queues,
        "agents": args.agents,
    }
    pg_name = f"distans_cont_bench_{os.getpid()}" if args.postgres else ""
    with tempfile.TemporaryDirectory(prefix="distans-continuity-") as tmp:
        os.environ["DISTANS_VAR_DIR"] = tmp
        os.environ["DJANGO_SETTINGS_MODULE"] = "distans.config.settings"
        os.environ["DISTANS_ROUTING_MODE"] = "inline"
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
            org, boss, plan = setup(args.queues, args.agents)
            out["database"] = "postgresql" if pg_name else "sqlite"
            out["setup_s"] = round(time.perf_counter() - started, 1)
            out.update(measure(org, boss, plan, args.repeat))
            if args.profile:
                profile(org, boss, plan, args.profile)
        finally:
            if pg_name:
                from django.db import connections

                connections.close_all()
                import psycopg

                with psycopg.connect(
                    "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
                ) as c:
                    c.execute(f"DROP DATABASE IF EXISTS {pg_name}")
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
