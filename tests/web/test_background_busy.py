"""The embedded database under load: SQLite's writer lock held past busy_timeout is a
passing condition the next run gets past — a warning, not an error in the log (the
demo's health check reads the log for errors)."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError

from distans import background


@pytest.fixture
def only_job(monkeypatch):  # type: ignore[no-untyped-def]
    jobs: dict[str, background.PeriodicJob] = {}
    monkeypatch.setattr(background, "_jobs", jobs)
    monkeypatch.setattr(background, "_import_job_modules", lambda: None)
    monkeypatch.setattr(background, "close_old_connections", lambda: None)  # no database here
    return jobs


def _job(jobs, function) -> None:  # type: ignore[no-untyped-def]
    jobs["job"] = background.PeriodicJob("job", 10, function)


def test_a_busy_database_is_a_warning_and_other_failures_errors(only_job, caplog) -> None:  # type: ignore[no-untyped-def]
    def busy() -> None:
        raise OperationalError("database is locked")

    def broken() -> None:
        raise OperationalError("no such table: x")

    _job(only_job, busy)
    with caplog.at_level(logging.WARNING, logger="distans.background"):
        assert background.run_due_jobs(now=100.0) == 1
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "busy" in caplog.records[0].getMessage()

    caplog.clear()
    _job(only_job, broken)
    with caplog.at_level(logging.WARNING, logger="distans.background"):
        assert background.run_due_jobs(now=200.0) == 1
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
