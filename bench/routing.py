"""End-to-end routing benchmark (issue 3). Prints one JSON object.

    .venv/bin/python bench/routing.py [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]

- ``core_decisions_per_s``: from bench/routing_core.py (the pure core, one full round,
  2,000 agents, 10,000 waiting).
- ``offer_latency_ms``: with 2,000 agents each on a phone call and 10,000 calls waiting
  (PostgreSQL, the per-process router thread as in a server, which runs targeted
  rounds for events and full rounds at deadlines): an agent finishes a call
  (wrap-up 0) and we measure from that commit to the commit of the round that offered
  that agent the next call; and with an empty queue and free agents, from a contact's
  arrival commit to its offer's commit (also reported from before the arrival's insert,
  i.e. with the arrival's own transaction). p50/p99 over the samples of both.
- ``e2e_contacts_per_s``: 2,000 available agents (capacity 3 chats / 5 e-mails), no
  backlog; contacts are created through ``do_create_contact`` by 2 processes
  (PostgreSQL) or 1 (SQLite, its supported layout) as fast as they can, with the
  router thread routing (each process first loads its routing caches, as a server
  that has been running has them, and publishes through an event loop as a server
  does; they start together); contacts/s from the
  first arrival to the last offer
  committed. The event log is then checked for double offers (must be 0). Also the
  ceiling: the same 2 processes creating contacts with nothing routing them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AGENTS = 2000
WAITING = 10000
#: The arrival processes start creating contacts together, this long after launch
#: (time to import Django and warm their caches).
START_AFTER_SECONDS = 6.0


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
    import django

    django.setup()


def _seed(agents: int, waiting: int, busy: bool, channel: str) -> int:
    """Bulk setup (not through actions: this is the stage, not the measurement)."""
    from django.utils import timezone

    from distans.accounts.models import Organisation, Person
    from distans.contacts.models import Contact
    from distans.routing.models import AgentState, Queue

    org = Organisation.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
    queues = [
        Queue.objects.create(
            organisation=org, name=f"Q{i}", code=f"q{i}", always_open=True,
            wrap_up_seconds=0, offer_timeout_seconds=600, max_consecutive_timeouts=1000,
        )
        for i in range(10)
    ]
    people = Person.objects.bulk_create(
        [
            Person(email=f"a{i}-{org.pk}@bench.example", full_name=f"Agent {i}", organisation=org, password="!")  # noqa: S106 — "!" = unusable password
            for i in range(agents)
        ]
    )
    states = AgentState.objects.bulk_create(
        [AgentState(organisation=org, person=p, presence="busy" if busy else "available") for p in people]
    )
    through = AgentState.queues.through
    through.objects.bulk_create(
        [
            through(agentstate_id=s.pk, queue_id=queues[(i + k) % len(queues)].pk)
            for i, s in enumerate(states)
            for k in range(3)
        ]
    )
    now = timezone.now()
    rows = []
    if busy:
        rows += [
            Contact(organisation=org, queue=queues[i % 10], channel=channel, status="active", agent=p,
                    enqueued_at=now, queue_entered_at=now, accepted_at=now)
            for i, p in enumerate(people)
        ]
    # Waiting contacts arrived one after another (1 ms apart), as live traffic does:
    # identical arrival times would leave the order to the ids alone.
    from datetime import timedelta

    rows += [
        Contact(organisation=org, queue=queues[i % 10], channel=channel, status="waiting",
                enqueued_at=now - timedelta(milliseconds=waiting - i),
                queue_entered_at=now - timedelta(milliseconds=waiting - i))
        for i in range(waiting)
    ]
    Contact.objects.bulk_create(rows, batch_size=2000)
    from django.db import connection

    if connection.vendor == "postgresql":  # statistics, as autovacuum keeps them in a live database
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return int(org.pk)


def latency(samples: int) -> dict[str, object]:
    """Runs inside a process set up for the database; returns latencies in ms.

    The measuring thread does not poll (that would steal the router thread's GIL):
    the wrapped round registers, before its own after-commit work, a hook that records
    the moment of its commit when it offers the watched agent (or, for arrivals, any
    agent of the watched organisation), and sets an event."""
    import threading

    from django.utils import timezone

    from distans.contacts.models import Contact
    from distans.routing import actions, dispatcher, free_agents, rounds, targeted
    from distans.routing.models import Queue

    watched: dict[str, int | None] = {"agent": None, "org": None}
    hit = threading.Event()
    hit_at: list[float] = []
    original_apply = rounds.apply_result

    def recording_apply(organisation_id, result, open_offers, now, contacts_by_id=None):  # type: ignore[no-untyped-def]
        offered_agents = {int(o.agent_id) for o in result.offers}
        if watched["agent"] in offered_agents or (result.offers and watched["org"] == organisation_id):
            from django.db import transaction

            # Registered before the round's own after-commit work (publishing to the
            # agents' browsers, which bench/fanout.py measures), so this is the moment
            # the offer was persisted: the commit.
            transaction.on_commit(lambda: (hit_at.append(time.perf_counter()), hit.set()))
        return original_apply(organisation_id, result, open_offers, now, contacts_by_id)

    rounds.apply_result = recording_apply
    targeted.apply_result = recording_apply  # per-event rounds apply through the same
    os.environ["DISTANS_ROUTING_MODE"] = "thread"
    _serve_events()

    # 1. An agent becomes free with 10,000 waiting.
    org_id = _seed(AGENTS, WAITING, busy=True, channel="phone")
    dispatcher.router().wake(org_id)  # first round: nothing to offer (all busy), warms caches
    time.sleep(3)
    free_ms = []
    active = list(
        Contact.objects.filter(organisation_id=org_id, status="active").select_related("agent")[:samples]
    )
    for contact in active:
        hit.clear()
        hit_at.clear()
        watched.update(agent=contact.agent_id, org=None)
        actions.do_complete_contact(contact.agent, contact.pk, topic="bench")
        t0 = time.perf_counter()
        if hit.wait(10):
            free_ms.append((hit_at[0] - t0) * 1000)
    # 2. A contact arrives with free agents and an empty queue. Measured from the
    # arrival's commit (as the agent case is from the completion's commit), and also
    # from before its insert (the arrival's own transaction included).
    org2 = _seed(200, 0, busy=False, channel="chat")
    # Arrivals spread over the queues: one queue's 60 members have room for 180 chats,
    # fewer than the default samples (the rest would wait, unoffered, for the timeout).
    queues = list(Queue.objects.filter(organisation_id=org2).order_by("pk"))
    dispatcher.router().wake(org2)  # warms the caches for this organisation, as above
    free_agents.table(org2).refresh(timezone.now())  # and its table of free agents
    time.sleep(1)
    from django.db import transaction

    arrival_ms, arrival_whole_ms = [], []
    for i in range(samples):
        hit.clear()
        hit_at.clear()
        watched.update(agent=None, org=org2)
        committed: list[float] = []
        t0 = time.perf_counter()
        with transaction.atomic():
            # The first after-commit hook: the moment the arrival was committed.
            transaction.on_commit(lambda at=committed: at.append(time.perf_counter()))
            actions.do_create_contact(queues[i % len(queues)], "chat")
        if hit.wait(10):
            arrival_ms.append((hit_at[0] - committed[0]) * 1000)
            arrival_whole_ms.append((hit_at[0] - t0) * 1000)
        time.sleep(0.02)
    rounds.apply_result = original_apply
    targeted.apply_result = original_apply
    both = sorted(free_ms + arrival_ms)

    def pct(values: list[float], q: float) -> float | None:
        if not values:
            return None
        return round(sorted(values)[min(len(values) - 1, int(q * len(values)))], 2)

    return {
        "p50": pct(both, 0.5),
        "p99": pct(both, 0.99),
        "agent_free_p50": pct(free_ms, 0.5),
        "agent_free_p99": pct(free_ms, 0.99),
        "arrival_p50": pct(arrival_ms, 0.5),
        "arrival_p99": pct(arrival_ms, 0.99),
        "arrival_incl_own_transaction_p50": pct(arrival_whole_ms, 0.5),
        "arrival_incl_own_transaction_p99": pct(arrival_whole_ms, 0.99),
        "agent_free_worst3": [round(v, 1) for v in sorted(free_ms)[-3:]],
        "arrival_worst3": [round(v, 1) for v in sorted(arrival_ms)[-3:]],
        "samples": len(both),
        "note": "agent_free: 2,000 agents on calls, 10,000 waiting; arrival: 200 free agents, empty queue",
    }


def _serve_events() -> None:
    """A server process's event loop, registered as the ASGI lifespan registers it
    (config/asgi.py): real-time events go out through it and the publishing thread does
    not wait for each (a process without one, such as a test, waits)."""
    import asyncio
    import threading

    from distans.realtime.publish import set_server_loop

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="bench-server-loop", daemon=True).start()
    set_server_loop(loop)


def arrivals(org_id: int, count: int, route: bool = True, start_at: float = 0.0) -> None:
    """Create ``count`` contacts as fast as one thread can, from ``start_at`` (a
    ``time.time()``: the processes start together, each with its caches warm, as in a
    server that has been running)."""
    from django.utils import timezone

    from distans.routing import actions, dispatcher, free_agents, rounds
    from distans.routing.models import Queue

    os.environ["DISTANS_ROUTING_MODE"] = "thread"
    _serve_events()
    if not route:  # the ceiling: what the arrivals alone cost this machine
        dispatcher._dispatch = lambda organisation_id, work: None
    queues = list(Queue.objects.filter(organisation_id=org_id))
    # The per-process caches, as a running server has them: agents, queues and the
    # table of free agents.
    rounds.load_agents(org_id)
    rounds.queues_of(org_id)
    free_agents.table(org_id).refresh(timezone.now())
    time.sleep(max(0.0, start_at - time.time()))
    for i in range(count):
        actions.do_create_contact(queues[i % len(queues)], "chat" if i % 2 else "email")
    time.sleep(2)  # let this process's router thread finish its last rounds


def arrivals_only(env: dict[str, str], processes: int, total: int) -> float:
    """Contacts/s when the same processes only create contacts (nothing routes them):
    the ceiling of ``e2e`` on this machine."""
    org_id = int(_last_line(env, "b._django({}); print(b._seed(20, 0, False, 'chat'))"))
    per = total // processes
    start = time.time() + START_AFTER_SECONDS
    workers = [
        subprocess.Popen(
            _code(f"b._django({{}}); b.arrivals({org_id}, {per}, route=False, start_at={start})"),
            env=env,
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.wait(timeout=600)
    _django(env)
    from django.db.models import Max, Min

    from distans.contacts.models import Contact

    span = Contact.objects.filter(organisation_id=org_id).aggregate(a=Min("enqueued_at"), b=Max("enqueued_at"))
    return round(per * processes / (span["b"] - span["a"]).total_seconds(), 1)


def _code(call: str) -> list[str]:
    """A child Python that imports this module with Django set up and runs ``call``."""
    prefix = f"import sys, json, os; sys.path.insert(0, {str(ROOT)!r}); import bench.routing as b; "
    return [sys.executable, "-c", prefix + call]


def _last_line(env: dict[str, str], call: str) -> str:
    result = subprocess.run(_code(call), env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def e2e(env: dict[str, str], processes: int, total: int) -> dict[str, object]:
    org_id = int(_last_line(env, f"b._django({{}}); print(b._seed({AGENTS}, 0, False, 'chat'))"))
    per = total // processes
    started = time.time() + START_AFTER_SECONDS
    workers = [
        subprocess.Popen(
            _code(f"b._django({{}}); b.arrivals({org_id}, {per}, start_at={started})"), env=env
        )
        for _ in range(processes)
    ]
    import psycopg  # noqa: F401  (only for the PostgreSQL check below)

    _django(env)
    from distans.contacts.models import Contact
    from distans.routing.models import Offer, RoutingEvent

    offered_at_end = None
    deadline = time.perf_counter() + 600
    # Polled every 20 ms with one index probe (is anyone of the organisation waiting?),
    # counting the contacts only once nobody waits: the measuring process takes as
    # little as it can of the two cores the measured processes share.
    from django.db import connection

    with connection.cursor() as cursor:
        while time.perf_counter() < deadline:
            cursor.execute(
                "SELECT 1 FROM contacts_contact WHERE organisation_id = %s AND status = 'waiting'"
                " LIMIT 1",
                [org_id],
            )
            if cursor.fetchone() is None:
                cursor.execute("SELECT count(*) FROM contacts_contact WHERE organisation_id = %s", [org_id])
                if cursor.fetchone()[0] >= per * processes:
                    offered_at_end = time.time()  # seen by this poll: up to 20 ms late (pessimistic)
                    break
            time.sleep(0.02)
    for worker in workers:
        worker.wait(timeout=600)
    # From the first arrival (not from starting the processes: importing Django takes
    # them a second or two) to the moment every contact had its offer.
    from django.db.models import Min

    first = Contact.objects.filter(organisation_id=org_id).aggregate(t=Min("enqueued_at"))["t"]
    elapsed = (offered_at_end or time.time()) - (first.timestamp() if first else started)
    offers = Offer.objects.filter(organisation_id=org_id).count()
    doubles = _double_offers(org_id, RoutingEvent)
    return {"contacts_per_s": round(per * processes / elapsed, 1), "contacts": per * processes,
            "offers": offers, "double_offers": doubles, "processes": processes,
            "completed": offered_at_end is not None}


def _double_offers(org_id: int, RoutingEvent) -> int:  # type: ignore[no-untyped-def]
    open_offer: set[int] = set()
    doubles = 0
    for name, contact_id in RoutingEvent.objects.filter(organisation_id=org_id).order_by("id").values_list("name", "contact_id"):
        if name == "offered":
            if contact_id in open_offer:
                doubles += 1
            open_offer.add(contact_id)
        elif name in ("accepted", "declined", "offer_timed_out", "offer_cancelled"):
            open_offer.discard(contact_id)
    return doubles


def _migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "distans", "migrate", "--quiet"], env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--contacts", type=int, default=5000)
    args = parser.parse_args()
    import runpy

    core = runpy.run_path(str(ROOT / "bench" / "routing_core.py"))["run"]()
    import psycopg

    name = f"distans_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    pg_env = {**os.environ, "DATABASE_URL": args.pg_url.rsplit("/", 1)[0] + "/" + name,
              "DISTANS_VAR_DIR": tempfile.mkdtemp(), "DJANGO_SETTINGS_MODULE": "distans.config.settings",
              "LOG_LEVEL": "ERROR"}
    pg_env.pop("REDIS_URL", None)
    sqlite_dir = tempfile.mkdtemp()
    sqlite_env = {**pg_env, "DATABASE_URL": f"sqlite:///{sqlite_dir}/bench.sqlite3", "DISTANS_VAR_DIR": sqlite_dir}
    try:
        _migrate(pg_env)
        _migrate(sqlite_env)
        lat = json.loads(_last_line(pg_env, f"b._django({{}}); print(json.dumps(b.latency({args.samples})))"))
        e2e_pg = json.loads(_last_line(pg_env, f"print(json.dumps(b.e2e(dict(os.environ), 2, {args.contacts})))"))
        e2e_sqlite = json.loads(
            _last_line(sqlite_env, f"print(json.dumps(b.e2e(dict(os.environ), 1, {args.contacts})))")
        )
        e2e_pg["arrivals_only_contacts_per_s"] = json.loads(
            _last_line(pg_env, f"print(json.dumps(b.arrivals_only(dict(os.environ), 2, {args.contacts})))")
        )
    finally:
        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps({
        "core_decisions_per_s": core.get("core_decisions_per_s"),
        "offer_latency_ms": lat,
        "e2e_contacts_per_s": {"sqlite": e2e_sqlite["contacts_per_s"], "postgresql": e2e_pg["contacts_per_s"]},
        "e2e_detail": {"sqlite": e2e_sqlite, "postgresql": e2e_pg},
        "double_offers": e2e_pg["double_offers"] + e2e_sqlite["double_offers"],
        "agents": AGENTS,
        "waiting": WAITING,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": time.strftime("%Y-%m-%d"),
    }, indent=2))


if __name__ == "__main__":
    main()
