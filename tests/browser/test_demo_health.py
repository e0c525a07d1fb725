"""The demo stays healthy: `distans demo` with its live traffic, run for 15 minutes of
its own time (at five times real speed, replaying next Monday from 09:15, the morning
peak with the published shifts), then checked as a supervisor would look at it.

Issue 14 point 8: after ~20 minutes simulated colleagues sat "away (not responding)"
for good, a queue had 26 waiting for up to 610 s and its service level was 33 %. Here:
no colleague stuck away, the simulated colleagues at work, each queue's service level
within reason and nobody left waiting long, every call ended, no error in the logs.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.browser.conftest import _free_port

SPEED = 5
DEMO_MINUTES = 15
STUCK_AWAY_SECONDS = 30  # a simulated colleague notices within seconds (real time)
# Lines that mean something went wrong, in the server's and the traffic's output.
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback|Task exception was never retrieved")


def next_monday_morning() -> str:
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    return f"{today + timedelta(days=7 - today.weekday())}T09:15"


def _start(var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DISTANS_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "distans.config.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = open(var_dir / "demo.log", "wb")  # the child keeps it; closed when it ends
    return subprocess.Popen(
        [sys.executable, "-m", "distans", "demo", "--port", str(port), "--speed", str(SPEED),
         "--mail-port", str(_free_port()), "--start", next_monday_morning()],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _wait_until_up(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the demo did not start in 240 s")


def _supervisor(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/account/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    client.post(
        "/account/login/",
        data={"username": "supervisor@vasterby.example", "password": "distans-demo",
              "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/account/login/"},
    )  # fmt: skip
    return client


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.timeout(900)
def test_fifteen_demo_minutes_leave_a_healthy_centre(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(tmp_path, port)
    log = tmp_path / "demo.log"
    try:
        _wait_until_up(process, port, log)
        started = datetime.now(UTC)
        time.sleep(DEMO_MINUTES * 60 / SPEED)
        supervisor = _supervisor(base)
        agents = supervisor.get("/api/agents").json()
        queues = supervisor.get("/api/queues").json()
        checked = datetime.now(UTC)
    finally:
        _stop(process)
    output = log.read_text(errors="replace")
    now = datetime.now(UTC)

    names = {a["name"]: a for a in agents}
    stuck = [
        a["name"] for a in agents
        if a["presence"] == "away"
        and (now - datetime.fromisoformat(a["presence_changed_at"])).total_seconds() > STUCK_AWAY_SECONDS
    ]  # fmt: skip
    assert not stuck, f"stuck away: {stuck}"
    at_work = [a for a in agents if a["presence"] in ("available", "busy", "wrap_up")]
    assert len(at_work) >= 3, names  # the others on a break or off shift
    for queue in queues:  # a queue nobody serves today overflows; nothing waits for no one
        assert queue["longest_wait_seconds"] < 120, queue
        assert queue["waiting"] <= 8, queue

    db = sqlite3.connect(tmp_path / "distans.sqlite3")
    rows = db.execute(
        """SELECT q.code, q.service_level_seconds, c.status, c.enqueued_at, c.accepted_at
           FROM contacts_contact c JOIN routing_queue q ON q.id = c.queue_id
           WHERE c.channel IN ('phone', 'chat') AND c.enqueued_at >= ?""",
        (started.strftime("%Y-%m-%d %H:%M:%S"),),
    ).fetchall()
    # A caller's patience is minutes of demo time: a call still in line long before
    # the end was left there by a simulator that lost track of it.
    calls_left = db.execute(
        "SELECT count(*) FROM telephony_call WHERE state IN ('queued', 'connecting')"
        " AND created_at < ?",
        ((checked - timedelta(seconds=150)).strftime("%Y-%m-%d %H:%M:%S"),),
    ).fetchone()[0]
    db.close()
    by_queue: dict[str, list[bool]] = {}
    for code, threshold, status, enqueued, accepted in rows:
        if status in ("waiting", "offered"):
            continue  # still in line at the end: judged by the live figures above
        waited = (
            (datetime.fromisoformat(accepted) - datetime.fromisoformat(enqueued)).total_seconds()
            if accepted else None
        )  # fmt: skip
        by_queue.setdefault(code, []).append(waited is not None and waited <= threshold)
    assert sum(len(v) for v in by_queue.values()) >= 20, by_queue  # traffic really flowed
    # The replayed Monday 09:15 is the week's peak with the corona surge on top: the
    # centre runs near its 80 % target, and a queue's 10–15 contacts are a small sample
    # (at a true 80 %, 10 contacts fall under 60 % one run in 30; five queues, one in
    # seven). So: the centre as a whole (60–80 contacts) keeps 65 %, and no queue is
    # starved (under 40 % of 10 or more: one run in a thousand at 80 %).
    answered = [ok for values in by_queue.values() for ok in values]
    overall = sum(answered) / len(answered)
    assert overall >= 0.65, (overall, {c: (sum(v), len(v)) for c, v in by_queue.items()})
    for code, answered_in_time in by_queue.items():
        if len(answered_in_time) >= 10:
            level = sum(answered_in_time) / len(answered_in_time)
            assert level >= 0.4, (code, level, len(answered_in_time))
    assert calls_left == 0, "calls the simulator left in the queue"
    errors = [line for line in output.splitlines() if ERROR_LINE.search(line)]
    assert not errors, "\n".join(errors[:20])
