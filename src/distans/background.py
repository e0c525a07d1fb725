"""Background work: the task worker and periodic jobs.

``distans worker`` runs them in their own process (PostgreSQL + Redis deployments).
In the embedded default (one process, in-memory channel layer) ``distans serve`` runs
them as threads inside the server process, because events published from another
process could not reach the in-memory layer.

Periodic jobs register with :func:`every`; each must be safe to run in several
processes at once (row locks / idempotent updates), because several workers may run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import OperationalError, close_old_connections

logger = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    interval_seconds: float
    function: Callable[[], object]
    next_run_at: float = field(default=0.0)


_jobs: dict[str, PeriodicJob] = {}


def every(seconds: float) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a function to run every ``seconds`` in the background."""

    def register(function: Callable[[], object]) -> Callable[[], object]:
        name = f"{function.__module__}.{function.__qualname__}"
        _jobs[name] = PeriodicJob(name, seconds, function)
        return function

    return register


def registered_jobs() -> list[PeriodicJob]:
    _import_job_modules()
    return list(_jobs.values())


def _import_job_modules() -> None:
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("distans."):
            try:
                import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise


def run_due_jobs(now: float | None = None) -> int:
    """Run every job that is due; returns how many ran. A failing job is logged and
    retried at its next interval; it never stops the loop."""
    now = time.monotonic() if now is None else now
    ran = 0
    for job in registered_jobs():
        if job.next_run_at <= now:
            job.next_run_at = now + job.interval_seconds
            try:
                job.function()
            except Exception as exc:
                if isinstance(exc, OperationalError) and database_busy(exc):
                    logger.warning("periodic job %s: the database was busy (%s)", job.name, exc)
                else:
                    logger.exception("periodic job %s failed", job.name)
            finally:
                close_old_connections()
            ran += 1
    return ran


def periodic_loop(stop: threading.Event, tick_seconds: float = 0.5) -> None:
    while not stop.is_set():
        run_due_jobs()
        stop.wait(tick_seconds)


def task_worker_loop(stop: threading.Event, worker_id: str) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0.5,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )

    def watch() -> None:
        stop.wait()
        worker.running = False

    threading.Thread(target=watch, name="distans-worker-stop", daemon=True).start()
    while not stop.is_set():
        try:
            worker.run()
        except OperationalError as exc:
            if database_busy(exc):  # a passing condition: the worker claims its tasks again
                logger.warning("task worker: the database was busy (%s); retrying in 1 s", exc)
            else:
                logger.exception("task worker crashed; restarting in 1 s")
            stop.wait(1.0)
        except Exception:
            logger.exception("task worker crashed; restarting in 1 s")
            stop.wait(1.0)


def database_busy(exc: OperationalError) -> bool:
    """SQLite's writer lock held past ``busy_timeout`` (the embedded database under
    load): a passing condition that the next run gets past, not a failure."""
    return "database is locked" in str(exc)


def start_background_threads(worker_id: str) -> threading.Event:
    """Start the task worker and periodic jobs as daemon threads; set the returned
    event to stop them."""
    stop = threading.Event()
    threading.Thread(
        target=task_worker_loop, args=(stop, worker_id), name="distans-tasks", daemon=True
    ).start()
    threading.Thread(target=periodic_loop, args=(stop,), name="distans-periodic", daemon=True).start()
    return stop
