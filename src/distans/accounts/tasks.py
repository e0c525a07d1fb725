"""Background work for accounts."""

from __future__ import annotations

from django_tasks import task

from distans.accounts.actions import do_prune_login_failures
from distans.background import every


@task()
def prune_login_failures(older_than_seconds: int = 86400) -> int:
    """Delete failed-login records older than a day (lockout needs only the window)."""
    return do_prune_login_failures(older_than_seconds)


@every(3600)
def schedule_pruning() -> None:
    prune_login_failures.enqueue()
