"""Several processes hammer routing on PostgreSQL; the invariants hold in the event log,
and a process killed with SIGKILL mid-routing loses nothing."""

from __future__ import annotations

import random
import signal
import time

from tests.concurrency.conftest import finish, run, start
from tests.concurrency.invariants import check


def test_four_plus_processes_keep_the_invariants(pg_database) -> None:  # type: ignore[no-untyped-def]
    env = pg_database
    run(env, "seed", "24", "3")
    processes = [
        start(env, "arrivals", "250", "1"),
        start(env, "arrivals", "250", "2"),
        start(env, "agents", "25", "3"),
        start(env, "agents", "25", "4"),
        start(env, "agents", "25", "5"),
    ]
    for process in processes:
        finish(process)
    run(env, "sweep")
    counts = check(env["DATABASE_URL"])
    total = sum(v for k, v in counts.items() if k.startswith("status_"))
    assert total == 500, counts  # every contact that arrived is still accounted for
    assert counts.get("status_completed", 0) > 0, counts  # work really happened
    assert counts["events"] > 1000, counts


def test_killing_a_process_mid_routing_loses_nothing(pg_database) -> None:  # type: ignore[no-untyped-def]
    env = pg_database
    run(env, "seed", "12", "2")
    rng = random.Random(7)
    survivors = [start(env, "agents", "20", "11")]
    for round_number in range(4):
        # Far more arrivals than it can make before the kill: the victim is always killed
        # mid-work, never after finishing (a fast machine made 400 in under 1.5 s).
        before = _contacts(env)
        victim = start(env, "arrivals", "100000", str(100 + round_number))
        target = before + rng.randint(20, 120)
        deadline = time.monotonic() + 120
        while _contacts(env) < target and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert victim.poll() is None, "the arrivals process ended before it could be killed"
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        assert victim.returncode == -signal.SIGKILL
    for process in survivors:
        finish(process)
    # Restart: the sweeper recovers expired offers and orphaned contacts.
    time.sleep(2.5)  # let the 2 s offers of the killed process expire
    run(env, "sweep")
    counts = check(env["DATABASE_URL"])
    assert counts.get("status_waiting", 0) + counts.get("status_offered", 0) + counts.get(
        "status_active", 0
    ) + counts.get("status_completed", 0) == sum(v for k, v in counts.items() if k.startswith("status_"))
    assert counts.get("status_completed", 0) > 0


def _contacts(env: dict[str, str]) -> int:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        return int(conn.execute("SELECT count(*) FROM contacts_contact").fetchone()[0])


def test_the_checker_catches_a_double_offer(pg_database) -> None:  # type: ignore[no-untyped-def]
    # The invariant check is only worth something if it fails on a broken log.
    import psycopg
    import pytest

    env = pg_database
    run(env, "seed", "2", "1")
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        org, queue = conn.execute("SELECT organisation_id, id FROM routing_queue LIMIT 1").fetchone()
        agents = [r[0] for r in conn.execute("SELECT person_id FROM routing_agentstate").fetchall()]
        contact = conn.execute(
            "INSERT INTO contacts_contact (organisation_id, channel, queue_id, status, priority,"
            " required_skills, language, attributes, enqueued_at, queue_entered_at, excluded_agent_ids,"
            " visited_queue_ids, customer_name, customer_email, customer_phone, subject, body,"
            " fallback_kind, topic, notes, external_id) VALUES (%s, 'phone', %s, 'waiting', 0, '{}', '',"
            " '{}', now(), now(), '[]', '[]', '', '', '', '', '', '', '', '', '') RETURNING id",
            (org, queue),
        ).fetchone()[0]
        for agent in agents:
            conn.execute(
                "INSERT INTO routing_routingevent (organisation_id, name, at, contact_id, agent_id, data)"
                " VALUES (%s, 'offered', now(), %s, %s, '{}')",
                (org, contact, agent),
            )
    with pytest.raises(AssertionError, match="offered twice"):
        check(env["DATABASE_URL"])
