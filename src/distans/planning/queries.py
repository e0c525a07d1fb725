"""Reads of planning: the chart of a queue, schedules, and a person's own shifts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Count, QuerySet
from django.utils import timezone

from distans.accounts.models import Organisation, Person
from distans.planning.choices import ScheduleStatus
from distans.planning.demand import PlanInputs, QueueDemand, planning_settings, queue_demand
from distans.planning.models import Schedule, Shift, ShiftBreak
from distans.routing.models import Queue

SHOWN = (ScheduleStatus.PUBLISHED, ScheduleStatus.DRAFT)


def list_queues(organisation: Organisation | int) -> QuerySet[Queue]:
    return Queue.objects.for_org(organisation).order_by("name")


def get_queue(organisation: Organisation | int, queue_id: int) -> Queue | None:
    return (
        Queue.objects.for_org(organisation)
        .select_related("organisation")
        .filter(pk=queue_id)
        .first()
    )


def list_schedules(organisation: Organisation | int) -> QuerySet[Schedule]:
    return (
        Schedule.objects.for_org(organisation)
        .select_related("created_by")
        .annotate(shift_count=Count("shifts"))
        .order_by("-week_start", "-created_at")[:20]
    )


def get_schedule(organisation: Organisation | int, schedule_id: int) -> Schedule | None:
    return Schedule.objects.for_org(organisation).filter(pk=schedule_id).first()


def schedule_for_week(organisation: Organisation | int, week_start: dt.date) -> Schedule | None:
    """The published schedule of the week, else its newest draft."""
    rows = Schedule.objects.for_org(organisation).filter(week_start=week_start, status__in=SHOWN)
    return (
        rows.filter(status=ScheduleStatus.PUBLISHED).first() or rows.order_by("-created_at").first()
    )


def schedule_days(schedule: Schedule, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The schedule's shifts grouped by local day, each with its breaks."""
    shifts = (
        Shift.objects.for_org(schedule.organisation_id)
        .filter(schedule=schedule)
        .select_related("person", "team", "site")
        .prefetch_related("breaks")
        .order_by("starts_at", "person__full_name")
    )
    days: dict[dt.date, list[Shift]] = {}
    for shift in shifts:
        days.setdefault(shift.starts_at.astimezone(zone).date(), []).append(shift)
    return [{"day": day, "shifts": rows} for day, rows in sorted(days.items())]


def scheduled_on_duty(
    queue: Queue, first_day: dt.date, days: int, interval_minutes: int
) -> np.ndarray | None:
    """Agents of ``queue`` on shift and not on a break, per day and interval (middle of
    the interval), from each week's published schedule (else its newest draft)."""
    zone = ZoneInfo(queue.organisation.time_zone)
    slots = 1440 // interval_minutes
    out = np.zeros((days, slots), dtype=np.int64)
    found = False
    serving = set(queue.agents.values_list("person_id", flat=True))
    weeks = {
        first_day
        + dt.timedelta(days=d)
        - dt.timedelta(days=(first_day + dt.timedelta(days=d)).weekday())
        for d in range(days)
    }
    for week in sorted(weeks):
        schedule = schedule_for_week(queue.organisation_id, week)
        if schedule is None:
            continue
        found = True
        for shift in schedule.shifts.filter(person_id__in=serving).prefetch_related("breaks"):
            start = shift.starts_at.astimezone(zone)
            row = (start.date() - first_day).days
            if not 0 <= row < days:
                continue
            midnight = dt.datetime.combine(start.date(), dt.time.min, tzinfo=zone)
            for slot in range(slots):
                middle = midnight + dt.timedelta(
                    minutes=slot * interval_minutes + interval_minutes / 2
                )
                if shift.starts_at <= middle < shift.ends_at and not any(
                    b.starts_at <= middle < b.ends_at for b in shift.breaks.all()
                ):
                    out[row, slot] += 1
    return out if found else None


@dataclass(frozen=True)
class ChartData:
    queue: Queue
    day: dt.date
    interval_minutes: int
    demand: QueueDemand | None
    scheduled: np.ndarray | None
    rows: list[dict[str, Any]]


def queue_chart(
    queue: Queue,
    inputs: PlanInputs,
    day: dt.date,
    today: dt.date,
    now: dt.datetime | None = None,
) -> ChartData:
    """Forecast, required (Erlang, and with shrinkage) and scheduled agents of ``day``;
    for today with ``now``, the contacts so far and the rest of the day reforecast."""
    interval = planning_settings(queue.organisation_id).interval_minutes
    demand = queue_demand(queue, inputs, day, 1, interval, today, now if day == today else None)
    scheduled = scheduled_on_duty(queue, day, 1, interval)
    rows = []
    if demand is not None:
        for slot in range(1440 // interval):
            if not demand.open[0, slot] and (scheduled is None or not scheduled[0, slot]):
                continue
            minutes = slot * interval
            rows.append(
                {
                    "slot": slot,
                    "start": f"{minutes // 60:02d}:{minutes % 60:02d}",
                    "contacts": float(demand.contacts[0, slot]),
                    "actual": slot < demand.elapsed_slots,
                    "required": int(demand.required[0, slot]),
                    "rostered": int(demand.rostered[0, slot]),
                    "scheduled": None if scheduled is None else int(scheduled[0, slot]),
                }
            )
    return ChartData(queue, day, interval, demand, scheduled, rows)


def my_shifts(person: Person, days: int = 7) -> list[dict[str, Any]]:
    """The person's published shifts from today on, each with its breaks; the next
    break that has not ended is marked."""
    zone = ZoneInfo(person.organisation.time_zone)  # type: ignore[union-attr]
    now = timezone.now()
    today = now.astimezone(zone).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    shifts = list(
        Shift.objects.for_org(person.organisation_id)  # type: ignore[arg-type]
        .filter(
            person=person,
            schedule__status=ScheduleStatus.PUBLISHED,
            ends_at__gt=start,
            starts_at__lt=start + dt.timedelta(days=days),
        )
        .select_related("site", "team")
        .prefetch_related("breaks")
        .order_by("starts_at")
    )
    next_break: ShiftBreak | None = None
    for shift in shifts:
        for item in shift.breaks.all():
            if item.ends_at > now and next_break is None:
                next_break = item
    return [
        {
            "shift": shift,
            "day": shift.starts_at.astimezone(zone).date(),
            "is_today": shift.starts_at.astimezone(zone).date() == today,
            "breaks": [
                {"item": b, "is_next": next_break is not None and b.pk == next_break.pk}
                for b in shift.breaks.all()
            ],
        }
        for shift in shifts
    ]


def not_ready_for_home(organisation: Organisation) -> list[dict[str, str]]:
    """Active agents who may not be scheduled at home now, with why (the checks other
    apps register with ``solving.register_home_check``); empty without a home site."""
    from distans.accounts.models import Site
    from distans.planning.solving import not_ready_for_home as blocked_of

    if not Site.objects.for_org(organisation).filter(kind="home").exists():
        return []
    agents = list(
        Person.objects.for_org(organisation)
        .filter(is_agent=True, is_active=True)
        .order_by("full_name")
    )
    blocked = blocked_of(organisation.pk, agents)
    return [{"name": p.full_name, "reason": blocked[p.pk]} for p in agents if p.pk in blocked]
