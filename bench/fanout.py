"""Fan-out latency: N agent websockets on one machine against a real `distans serve`.

Setup (in this process, in a temporary var dir with its own SQLite database): migrate,
create one organisation with N agents and one publisher, and log each in by creating a
session with Django's SessionStore. Then start `python -m distans serve` (uvicorn, one
process, in-memory channel layer), open N websockets to /ws/live/ with the session
cookies, and have the publisher change presence through the desk (POST
/desk/presence/) E times. Each change commits, and after commit publishes "presence"
to the team's group (every agent here is in one team, so every socket joined it). The
event carries ``sent_at`` (the server's clock right after commit, distans.realtime.publish); the
client notes its arrival on the same machine's clock.

The sockets are spread over ``--processes`` client processes (default 4) so that one
Python client loop does not become the bottleneck being measured. They run on the same
cores as the server, so their own work per message is part of the figures.

``--server-workers N`` (N > 1) runs `distans serve --workers N` instead, with Redis
(127.0.0.1:6379, database 7) as the channel layer and a scratch PostgreSQL database on
127.0.0.1:5432 (created and dropped by the bench), as a multi-process deployment must.
``--server-profile FILE`` writes the server's cProfile statistics (one process only).

Output (one JSON object): per-delivery latency commit→client (p50/p99/max ms), per
event the time until the LAST client had it, lost deliveries, connect time, and the
load average at the end (the machine is shared: note it next to the figures).

    .venv/bin/python bench/fanout.py --clients 1000 --events 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_REDIS = "redis://127.0.0.1:6379/7"  # a database of its own; keys expire by themselves


def setup_database(
    var_dir: Path, clients: int, postgres_db: str = ""
) -> tuple[list[str], str, int]:
    """Create the organisation, the agents and their sessions; return the session keys
    of the agents and of the publisher, and the publisher's person id. With
    ``postgres_db`` (several server processes): that PostgreSQL database and Redis."""
    os.environ["DISTANS_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "distans.config.settings"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    if postgres_db:
        os.environ["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + postgres_db
        os.environ["REDIS_URL"] = BENCH_REDIS
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import connections

    from distans.accounts.models import Organisation, Person, Site, Team

    call_command("migrate", interactive=False, verbosity=0)
    org = Organisation.objects.create(name="Fan-out bench", slug="fanout-bench")
    Site.objects.create(organisation=org, name="Hemma", kind="home")
    # One team for all: presence goes to the person's team (and the supervisors), so
    # this makes every socket a receiver of each event.
    team = Team.objects.create(organisation=org, name="Alla")
    people = []
    for i in range(clients + 1):
        person = Person(
            email=f"agent{i}@fanout.example",
            full_name=f"Agent {i}",
            organisation=org,
            team=team,
            is_agent=True,
        )
        person.set_unusable_password()
        people.append(person)
    Person.objects.bulk_create(people, batch_size=500)
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    backend = settings.AUTHENTICATION_BACKENDS[0]
    keys = []
    publisher_id = 0
    for person in Person.objects.filter(organisation=org).order_by("pk"):
        session = store_class()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
        publisher_id = publisher_id or person.pk
    connections.close_all()
    return keys[1:], keys[0], publisher_id


_PROFILED_SERVE = """
import cProfile, os, signal, sys
profile = cProfile.Profile()
def stop(*_):
    profile.disable()
    profile.dump_stats({path!r})
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
sys.argv = ["distans"] + sys.argv[1:]
from distans.cli.main import main
profile.enable()
main()
"""


def _postgres(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(statement)


def start_server(
    var_dir: Path, port: int, profile: str = "", workers: int = 1
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DISTANS_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "distans.config.settings",
    }
    command = [sys.executable, "-m", "distans", "serve", "--port", str(port)]
    if workers > 1:  # uvicorn's workers share the port; a `distans worker` is not needed here
        command += ["--workers", str(workers), "--no-background"]
    if profile:  # cProfile, written when the bench stops the server (SIGTERM)
        command[1:3] = ["-c", _PROFILED_SERVE.format(path=profile)]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(var_dir / "server.log").open("w"),
    )
    deadline = time.monotonic() + 60
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


async def client(
    port: int,
    key: str,
    publisher_id: int,
    arrivals: dict[int, tuple[float, float]],
    ready: asyncio.Event,
    done: asyncio.Event,
    closed: list[str],
) -> None:
    """One agent's socket: note the latency of each "presence" event of the publisher
    (other presence events, e.g. colleagues connecting, are not counted)."""
    import websockets

    try:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/live/",
            additional_headers={"Cookie": f"sessionid={key}", "Origin": f"http://127.0.0.1:{port}"},
            open_timeout=120,
            ping_interval=None,
            max_queue=None,
        ) as ws:
            ready.set()
            closer = asyncio.create_task(_close_when(done, ws))
            # One plain receive loop per socket: the client's own cost per message (here
            # in 4 processes on the same cores as the server) is part of what is measured.
            async for raw in ws:
                now = time.time()
                LAST_MESSAGE[0] = now
                event = json.loads(raw)
                if event.get("kind") == "presence" and event.get("person_id") == publisher_id:
                    sent_at = float(event["sent_at"])
                    arrivals[int(event["seq"])] = ((now - sent_at) * 1000, sent_at)
            if not done.is_set():
                closed.append("closed by the server")
            await closer
    except Exception as error:
        closed.append(type(error).__name__)
        ready.set()


async def _close_when(done: asyncio.Event, ws: Any) -> None:
    await done.wait()
    await ws.close()


LAST_MESSAGE = [0.0]  # when any socket of this process last received anything


async def worker(
    port: int, keys: list[str], publisher_id: int, status_file: Path, interval_s: float
) -> None:
    """A client process: connect its sockets one every ``interval_s``, report "ready", write
    its last-message time to ``status_file`` until stdin says "stop", then print the
    arrivals as JSON."""
    done = asyncio.Event()
    closed: list[str] = []
    arrivals: list[dict[int, tuple[float, float]]] = [{} for _ in keys]
    readies = [asyncio.Event() for _ in keys]
    tasks = []
    for i in range(len(keys)):  # paced logins, as at the start of a shift
        tasks.append(
            asyncio.create_task(
                client(port, keys[i], publisher_id, arrivals[i], readies[i], done, closed)
            )
        )
        await asyncio.sleep(interval_s)
    await asyncio.gather(*(ready.wait() for ready in readies))
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    stop = loop.run_in_executor(None, sys.stdin.readline)
    while not stop.done():
        counts: dict[int, int] = {}
        for got in arrivals:
            for seq in got:
                counts[seq] = counts.get(seq, 0) + 1
        status = {"last": LAST_MESSAGE[0], "closed": len(closed), "counts": counts}
        status_file.write_text(json.dumps(status))
        await asyncio.sleep(0.5)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"arrivals": arrivals, "closed": closed}), flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(
    port: int,
    keys: list[str],
    publisher: str,
    publisher_id: int,
    events: int,
    gap_s: float,
    processes: int,
    var_dir: Path,
    connect_rate: float,
) -> dict[str, object]:
    import httpx

    started = time.perf_counter()
    workers = []
    share = -(-len(keys) // processes)
    for n in range(processes):
        part = keys[n * share : (n + 1) * share]
        keys_file = var_dir / f"keys{n}.json"
        keys_file.write_text(json.dumps(part))
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    str(port),
                    str(keys_file),
                    str(publisher_id),
                    str(var_dir / f"status{n}.json"),
                    str(processes / connect_rate),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    for process in workers:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("a client process failed to connect")
    connect_s = time.perf_counter() - started
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, cookies={"sessionid": publisher}, timeout=30) as http:
        page = http.get("/desk/")
        match = re.search(r'"X-CSRFToken": "([^"]+)"', page.text)
        token = match.group(1) if match else ""
        headers = {"X-CSRFToken": token, "Referer": base + "/desk/", "HX-Request": "true"}
        toggles = iter(range(10**9))

        def publish_once() -> None:
            presence = "available" if next(toggles) % 2 == 0 else "offline"
            response = http.post("/desk/presence/", data={"presence": presence}, headers=headers)
            if response.status_code != 200 or response.headers.get("X-Desk-Ok") != "1":
                raise RuntimeError(f"publisher POST failed: {response.status_code}")

        # Each connect publishes "presence" to the whole organisation (N² messages for N
        # logins at once). Warm up until one probe event reaches every socket within
        # 5 s, i.e. the connect storm has drained; probes are not measured.
        drain_started = time.perf_counter()
        probes = 0
        while time.perf_counter() - drain_started < 900:
            publish_once()
            probes += 1
            time.sleep(5.0)
            totals: dict[str, int] = {}
            for n in range(processes):
                for seq, count in _status(var_dir, n).get("counts", {}).items():
                    totals[seq] = totals.get(seq, 0) + count
            if totals and totals[max(totals, key=int)] >= len(keys):
                break
        drain_s = time.perf_counter() - drain_started
        measure_from = time.time()
        for _ in range(events):
            publish_once()
            time.sleep(gap_s)
    time.sleep(2.0)
    per_event: dict[str, list[float]] = {}
    closed: list[str] = []
    for process in workers:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("stop\n")
        process.stdin.flush()
        report = json.loads(process.stdout.readline())
        process.wait(timeout=60)
        closed += report["closed"]
        for got in report["arrivals"]:
            for seq, (ms, sent_at) in got.items():
                if sent_at >= measure_from:
                    per_event.setdefault(seq, []).append(ms)
    deliveries = [ms for values in per_event.values() for ms in values]
    last_client = [max(values) for values in per_event.values()]
    return {
        "clients": len(keys),
        "client_processes": processes,
        "events": events,
        "events_seen": len(per_event),
        "deliveries": len(deliveries),
        "lost_deliveries": events * len(keys) - len(deliveries),
        "sockets_closed_early": len(closed),
        "connect_rate_per_s": connect_rate,
        "connect_all_s": round(connect_s, 2),
        "connect_presence_storm_drain_s": round(drain_s, 1),
        "warm_up_probes": probes,
        "commit_to_client_ms": _summary(deliveries),
        "commit_to_last_client_ms": _summary(last_client),
    }


def _status(var_dir: Path, n: int) -> dict[str, Any]:
    try:
        return json.loads((var_dir / f"status{n}.json").read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {"last": time.time(), "closed": 0, "counts": {}}


def _summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p99": None, "max": None}
    return {
        "p50": round(statistics.median(values), 1),
        "p99": round(percentile(values, 0.99), 1),
        "max": round(max(values), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between events")
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument(
        "--connect-rate", type=float, default=20.0, help="logins per second (all processes)"
    )
    parser.add_argument(
        "--server-workers",
        type=int,
        default=1,
        help="server processes; above 1: Redis (127.0.0.1:6379/7) and a scratch PostgreSQL "
        "database on 127.0.0.1:5432",
    )
    parser.add_argument(
        "--server-profile", default="", help="write the server's cProfile stats to this file"
    )
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        port, keys_file, publisher_id, status_file, interval = args.worker
        keys = json.loads(Path(keys_file).read_text())
        asyncio.run(worker(int(port), keys, int(publisher_id), Path(status_file), float(interval)))
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.clients + 256)), hard))
    sys.path.insert(0, str(ROOT / "src"))
    postgres_db = f"distans_fanout_{os.getpid()}" if args.server_workers > 1 else ""
    if postgres_db:
        _postgres(f"CREATE DATABASE {postgres_db}")
    with tempfile.TemporaryDirectory(prefix="distans-fanout-") as tmp:
        var_dir = Path(tmp)
        keys, publisher, publisher_id = setup_database(var_dir, args.clients, postgres_db)
        port = _free_port()
        server = start_server(var_dir, port, args.server_profile, args.server_workers)
        try:
            server_log = ""
            result = run(
                port,
                keys,
                publisher,
                publisher_id,
                args.events,
                args.gap,
                args.processes,
                var_dir,
                args.connect_rate,
            )
        finally:
            server_log = (var_dir / "server.log").read_text()[-5000:]
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
            if postgres_db:
                from django.db import connections

                connections.close_all()
                _postgres(f"DROP DATABASE IF EXISTS {postgres_db} WITH (FORCE)")
    result.update(
        target_p99_ms=200,
        server=(
            f"distans serve --workers {args.server_workers} (uvicorn, Redis channel layer, "
            "PostgreSQL)"
            if args.server_workers > 1
            else "distans serve (uvicorn, 1 process, in-memory channel layer, SQLite)"
        ),
        load_average=[round(x, 2) for x in os.getloadavg()],
        machine=f"{platform.machine()}, {os.cpu_count()} cores",
        method="sent_at = server clock right after commit (on_commit); arrival = client clock, same machine",
    )
    print(json.dumps(result))
    if os.environ.get("FANOUT_KEEP_LOG"):
        print(server_log, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
