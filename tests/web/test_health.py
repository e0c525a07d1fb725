"""Liveness (/healthz) and readiness (/readyz: database, Redis, worker heartbeat)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client

from distans.background import registered_jobs
from distans.web import health

pytestmark = pytest.mark.django_db


def test_ready_only_with_a_database_and_a_worker_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.delete(health.HEARTBEAT_KEY)
    no_worker = Client().get("/readyz")
    assert no_worker.status_code == 503 and no_worker["Retry-After"]
    assert no_worker.json()["worker"] == "no heartbeat" and no_worker.json()["database"] == "ok"
    # the heartbeat is one of the worker's periodic jobs (run_due_jobs would close the
    # test's database connection after each job, so the job is called here itself)
    job = next(j for j in registered_jobs() if j.name.endswith("worker_heartbeat"))
    job.function()
    ready = Client().get("/readyz")
    assert ready.status_code == 200, ready.content
    assert ready.json()["ready"] is True
    # a heartbeat from long ago is a dead worker
    cache.set(health.HEARTBEAT_KEY, time.time() - 10 * health.HEARTBEAT_STALE_SECONDS)
    assert Client().get("/readyz").status_code == 503


def test_not_ready_when_the_database_or_redis_is_out_of_reach(monkeypatch: pytest.MonkeyPatch, settings) -> None:  # type: ignore[no-untyped-def]
    health.beat()
    monkeypatch.setattr(health, "_database", lambda: "error: OperationalError")
    down = Client().get("/readyz")
    assert down.status_code == 503 and down.json()["database"].startswith("error")
    assert Client().get("/healthz").status_code == 200  # alive, only not ready
    monkeypatch.undo()
    health.beat()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    no_redis = Client().get("/readyz")
    assert no_redis.status_code == 503 and no_redis.json()["redis"].startswith("error")
