"""A continuity plan put in force and ended again and again while several processes
route on PostgreSQL: no contact is lost or offered twice, and the setup after the last
end is the one before the first start."""

from __future__ import annotations

import subprocess
import sys

from tests.concurrency.conftest import ROOT, finish, run, start, stderr_tail
from tests.concurrency.invariants import check

SWITCHER = ROOT / "tests" / "concurrency" / "continuity_worker.py"


def _export(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "distans", "config", "export"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_switching_plans_under_load_loses_and_double_offers_nothing(pg_database) -> None:  # type: ignore[no-untyped-def]
    env = pg_database
    run(env, "seed", "16", "3")
    prepared = subprocess.run(
        [sys.executable, str(SWITCHER), "prepare"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    before = _export(env)
    processes = [
        start(env, "arrivals", "200", "1"),
        start(env, "arrivals", "200", "2"),
        start(env, "agents", "25", "3"),
        start(env, "agents", "25", "4"),
    ]
    switcher = start(env, "toggle", "10", "0.5", script=SWITCHER)
    for process in [*processes, switcher]:
        finish(process)
    run(env, "sweep")
    counts = check(env["DATABASE_URL"])  # no double offer, no offer closed twice, capacity kept
    total = sum(v for k, v in counts.items() if k.startswith("status_"))
    assert total == 400, counts  # every contact that arrived is still accounted for
    assert counts.get("status_completed", 0) > 0, counts
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        switched = conn.execute("SELECT count(*) FROM continuity_activation").fetchone()[0]
        crisis_contacts = conn.execute(
            "SELECT count(*) FROM contacts_contact c JOIN routing_queue q ON q.id = c.queue_id WHERE q.code = 'crisis'"
        ).fetchone()[0]
        still_waiting_in_crisis = conn.execute(
            "SELECT count(*) FROM contacts_contact c JOIN routing_queue q ON q.id = c.queue_id"
            " WHERE q.code = 'crisis' AND c.status = 'waiting'"
        ).fetchone()[0]
    assert switched == 5, switched  # 10 switches: 5 times in force and ended
    assert still_waiting_in_crisis == 0  # waiting contacts went back to q0 at each end
    assert crisis_contacts > 0  # the temporary queue handled contacts: it has history
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        archived = conn.execute(
            "SELECT count(*), bool_and(archived_at IS NOT NULL) FROM routing_queue WHERE code = 'crisis'"
        ).fetchone()
    assert archived == (1, True)  # one row, archived, reused by every start
    assert _export(env) == before  # exactly: the archived queue is not the setup


def test_a_switch_waits_for_the_round_in_progress(pg_database) -> None:  # type: ignore[no-untyped-def]
    # A switch takes the routing lock (the row every round holds) before it changes
    # anything. Switching while a round held agent states and queues deadlocked with it,
    # and a round that had read the queues before an end overflowed contacts into the
    # temporary queue the end was removing (a worker died of the foreign-key violation).
    import time

    import psycopg

    env = pg_database
    run(env, "seed", "4", "2")
    prepared = subprocess.run(
        [sys.executable, str(SWITCHER), "prepare"], env=env, capture_output=True, text=True, timeout=300
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    run(env, "sweep")  # the organisation's first round makes its lock row
    url = env["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as look, psycopg.connect(url) as round_:
        holder = round_.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert round_.execute("SELECT id FROM routing_routinglock FOR UPDATE").fetchall()
        switcher = start(env, "toggle", "1", "0", script=SWITCHER)
        deadline = time.monotonic() + 120
        while not look.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (holder,)
        ).fetchone()[0]:
            assert switcher.poll() is None, stderr_tail(switcher)
            assert time.monotonic() < deadline, "the switcher never waited for the round"
            time.sleep(0.05)
        activations = look.execute("SELECT count(*) FROM continuity_activation").fetchone()[0]
        queues = look.execute("SELECT count(*) FROM routing_queue WHERE code = 'crisis'").fetchone()[0]
        assert (activations, queues) == (0, 0)  # it waits before it changes anything
        round_.rollback()  # the round ends
        finish(switcher)
        assert look.execute("SELECT count(*), bool_or(active) FROM continuity_activation").fetchone() == (
            1,
            False,
        )
