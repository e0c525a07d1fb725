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
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(WORKER), *args], env=env)


def run(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, str(WORKER), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
