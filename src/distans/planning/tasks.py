"""Background work of planning: generating a schedule (task worker) and break reminders."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from distans.background import every
from distans.planning import actions


@task()
def generate_schedule(schedule_id: int) -> str:
    """Solve a requested schedule with CP-SAT; returns its resulting status."""
    return str(actions.do_solve_schedule(schedule_id).status)


@every(60)
def remind_breaks() -> None:
    """Tell agents when a scheduled break is due, or when they have handled contacts
    for too long without a pause; never while they are on a call."""
    now = timezone.now()
    actions.do_remind_scheduled_breaks(now)
    actions.do_remind_continuous_handling(now)
