"""Multi-process tests against a real PostgreSQL: each test gets its own database,
created and dropped here, and processes started with DATABASE_URL pointing at it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import port_open, require_service

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "tests" / "concurrency" / "routing_worker.py"
PG_HOST = os.environ.get("DISTANS_TEST_PG_HOST", "127.0.0.1")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/concurrency/" in str(item.fspath):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def pg_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    require_service("postgres", port_open(PG_HOST, 5432), f"PostgreSQL not reachable at {PG_HOST}:5432")
    import psycopg

    name = f"distans_conc_{uuid.uuid4().hex[:10]}"
    admin = f"postgresql://postgres@{PG_HOST}:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@{PG_HOST}:5432/{name}",
        "DISTANS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "distans.config.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "distans", "migrate", "--quiet"], env=env, check=True, timeout=300)
    try:
        yield env
    finally:
        # Workers still running after a failure would spin against a dropped database
        # (and load the machine for the tests after): end the ones this test started.
        while _started:
            process = _started.pop()
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start(env: dict[str, str], *args: str, script: Path = WORKER) -> subprocess.Popen[bytes]:
    """A worker process (``script``, routing_worker.py unless told) whose stderr goes to
    a file next to the test's database files; :func:`finish` shows its tail on failure."""
    log_dir = Path(env["DISTANS_VAR_DIR"]) / "workers"
    log_dir.mkdir(exist_ok=True)
    log = log_dir / f"{script.stem}-{'-'.join(args)}-{uuid.uuid4().hex[:6]}.stderr"
    with log.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, str(script), *args], env=env, stderr=stderr)
    process.stderr_path = log  # type: ignore[attr-defined]
    _started.append(process)
    return process


_started: list[subprocess.Popen[bytes]] = []  # by start(), ended by pg_database's teardown


def stderr_tail(process: subprocess.Popen[bytes], chars: int = 4000) -> str:
    """The last ``chars`` characters a :func:`start`-ed process wrote to stderr."""
    path: Path | None = getattr(process, "stderr_path", None)
    if path is None or not path.exists():
        return "(stderr not captured)"
    return path.read_text(errors="replace")[-chars:]


def finish(process: subprocess.Popen[bytes], timeout: float = 600) -> None:
    """Wait for a :func:`start`-ed process; it must exit 0, else the assertion shows
    its command and the tail of its stderr."""
    code = process.wait(timeout=timeout)
    assert code == 0, f"{process.args!r} exited with {code}; stderr:\n{stderr_tail(process)}"


def run(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, str(WORKER), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
