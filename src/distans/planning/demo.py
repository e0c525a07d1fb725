"""Demo planning data: the centre's history (eight weeks, through the contact import:
:mod:`distans.demo.history`), shift templates (08–14 / 10–16 staggered, 8 h days),
contracted hours, queue targets with a corona uplift, and published schedules for this
week and next (small solver time limit) — all through planning's actions, the ones the
settings and planning pages call. Idempotent: history is added for days not yet
imported; a week with a published schedule is skipped."""

from __future__ import annotations

import datetime as dt

from distans.accounts.models import Organisation, Person
from distans.demo.data import DEMO_LOADERS
from distans.demo.history import load_history
from distans.demo.load import BY_CODE
from distans.planning import actions
from distans.planning.choices import ScheduleStatus
from distans.planning.demand import PlanInputs
from distans.planning.models import (
    Availability,
    PlanningSettings,
    QueuePlan,
    Schedule,
    ShiftTemplate,
)
from distans.routing.models import Queue

DEMO_SOLVER_SECONDS = 8
SIX_HOUR_BREAKS = [
    {
        "label": "break",
        "duration_minutes": 15,
        "earliest_offset_minutes": 60,
        "latest_offset_minutes": 120,
    },
    {
        "label": "lunch",
        "duration_minutes": 30,
        "earliest_offset_minutes": 150,
        "latest_offset_minutes": 240,
    },
]
EIGHT_HOUR_BREAKS = [
    {
        "label": "break",
        "duration_minutes": 15,
        "earliest_offset_minutes": 60,
        "latest_offset_minutes": 120,
    },
    {
        "label": "lunch",
        "duration_minutes": 30,
        "earliest_offset_minutes": 180,
        "latest_offset_minutes": 270,
    },
    {
        "label": "break",
        "duration_minutes": 15,
        "earliest_offset_minutes": 330,
        "latest_offset_minutes": 390,
    },
]
TEMPLATES = [
    ("Tidig 08–14", 360, dt.time(8, 0), dt.time(8, 0), SIX_HOUR_BREAKS),
    ("Sen 10–16", 360, dt.time(10, 0), dt.time(10, 30), SIX_HOUR_BREAKS),
    ("Heldag 8 h", 480, dt.time(8, 0), dt.time(8, 30), EIGHT_HOUR_BREAKS),
]


def _demo_admin(organisation: Organisation) -> Person | None:
    """The admin whose clicks the demo's settings stand for (in the audit log)."""
    return Person.objects.for_org(organisation).filter(is_org_admin=True).order_by("pk").first()


def _settings(organisation: Organisation, today: dt.date) -> None:
    """Through planning's actions, as the admin and the planner would set it up."""
    admin = _demo_admin(organisation)
    if not PlanningSettings.objects.for_org(organisation).exists():
        actions.do_save_planning_settings(
            organisation,
            admin,
            {"interval_minutes": 15, "solver_seconds": 20, "min_office_days_per_team": 1},
        )
    existing = set(ShiftTemplate.objects.for_org(organisation).values_list("name", flat=True))
    for name, length, earliest, latest, breaks in TEMPLATES:
        if name not in existing:
            actions.do_save_shift_template(
                organisation,
                admin,
                None,
                {
                    "name": name,
                    "length_minutes": length,
                    "earliest_start": earliest,
                    "latest_start": latest,
                    "start_step_minutes": 30,
                    "breaks": breaks,
                },
            )
    planned = set(QueuePlan.objects.for_org(organisation).values_list("queue_id", flat=True))
    for queue in Queue.objects.for_org(organisation).exclude(pk__in=planned):
        profile = BY_CODE.get(queue.code)
        aht = round(profile.talk_seconds + profile.wrap_up_seconds) if profile else 240
        corona = queue.code == "corona"
        actions.do_save_queue_plan(  # the planning page's "save" on the queue
            queue,
            PlanInputs(
                service_level=0.8,
                answer_within_seconds=20 if queue.code in ("vaxel", "corona") else 60,
                aht_seconds=aht,
                shrinkage=0.1,
                patience_seconds=None,
                uplift_factor=1.4 if corona else 1.0,
                uplift_from=today if corona else None,
                uplift_until=today + dt.timedelta(days=13) if corona else None,
                uplift_note="Coronafrågor +40 % i två veckor" if corona else "",
            ),
        )
    available = set(Availability.objects.for_org(organisation).values_list("person_id", flat=True))
    agents = Person.objects.for_org(organisation).filter(is_agent=True).exclude(pk__in=available)
    for person in agents.order_by("pk"):
        actions.do_save_availability(
            admin,
            person,
            {
                "min_hours_per_week": 18,
                "max_hours_per_week": 36,  # slack: the demo weeks stay feasible on any load date
                "weekdays": [0, 1, 2, 3, 4],
            },
        )


def _schedules(organisation: Organisation, today: dt.date) -> None:
    """Generated and published as the planner does on the schedules page (solved here
    rather than by the task worker, with a small time limit)."""
    planner = Person.objects.for_org(organisation).filter(is_planner=True).order_by("pk").first()
    this_week = actions.week_start_of(today)
    for week in (this_week, this_week + dt.timedelta(days=7)):
        published = Schedule.objects.for_org(organisation).filter(
            week_start=week, status=ScheduleStatus.PUBLISHED
        )
        if published.exists():
            continue
        schedule = actions.do_request_schedule(organisation, week, planner, enqueue=False)
        schedule = actions.do_solve_schedule(schedule.pk, DEMO_SOLVER_SECONDS)
        if schedule.status == ScheduleStatus.DRAFT:
            actions.do_publish_schedule(schedule, planner)


def load_planning_demo(organisation: Organisation) -> None:
    today = actions.local_today(organisation)
    load_history(organisation, today)
    _settings(organisation, today)
    _schedules(organisation, today)


DEMO_LOADERS.append(load_planning_demo)
