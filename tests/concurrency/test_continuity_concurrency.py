"""A continuity plan put in force and ended again and again while several processes
route on PostgreSQL: no contact is lost or offered twice, and the setup after the last
end is the one before the first start."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.concurrency.conftest import ROOT, run, start
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
    switcher = subprocess.Popen([sys.executable, str(SWITCHER), "toggle", "10", "0.5"], env=env)
    for process in processes:
        assert process.wait(timeout=600) == 0
    assert switcher.wait(timeout=600) == 0
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
    after = json.loads(_export(env))
    expected = json.loads(before)
    if (
        crisis_contacts
    ):  # the temporary queue handled contacts: it stays, closed, with their history
        kept = next(q for q in after["queues"] if q["code"] == "crisis")
        assert kept["weekly_hours"] == {} and not kept["always_open"]
        after["queues"] = [q for q in after["queues"] if q["code"] != "crisis"]
    assert after == expected
