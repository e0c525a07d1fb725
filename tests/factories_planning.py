"""Factories for planning tests: history, shift templates, schedules with shifts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from distans.planning.models import (
    ImportedVolume,
    PlanningSettings,
    QueuePlan,
    Schedule,
    Shift,
    ShiftBreak,
    ShiftTemplate,
)

WEEKDAYS_8_TO_12 = {str(d): [["08:00", "12:00"]] for d in range(5)}


def local_today(organisation: Any) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(organisation.time_zone)).date()


def next_monday(organisation: Any) -> dt.date:
    today = local_today(organisation)
    return today + dt.timedelta(days=7 - today.weekday())


def make_history(
    queue: Any, weeks: int = 5, busy: float = 12.0, quiet: float = 4.0, busy_hour: int = 9
) -> None:
    """Imported contacts per 15 minutes on weekdays 08–12 for ``weeks`` weeks before today:
    ``busy`` per interval in ``busy_hour``, ``quiet`` otherwise."""
    zone = ZoneInfo(queue.organisation.time_zone)
    today = local_today(queue.organisation)
    rows = []
    for back in range(weeks * 7, 0, -1):
        day = today - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for minutes in range(8 * 60, 12 * 60, 15):
            start = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=zone)
            count = busy if minutes // 60 == busy_hour else quiet
            rows.append(
                ImportedVolume(
                    organisation=queue.organisation,
                    queue=queue,
                    interval_start=start,
                    contacts=count,
                )
            )
    ImportedVolume.objects.bulk_create(rows)


def make_plan(queue: Any, **fields: Any) -> QueuePlan:
    fields.setdefault("aht_seconds", 240)
    fields.setdefault("service_level", 0.8)
    fields.setdefault("answer_within_seconds", 20)
    fields.setdefault("shrinkage", 0.0)
    return QueuePlan.objects.create(organisation=queue.organisation, queue=queue, **fields)


def make_settings(organisation: Any, **fields: Any) -> PlanningSettings:
    fields.setdefault("interval_minutes", 15)
    fields.setdefault("solver_seconds", 10)
    return PlanningSettings.objects.create(organisation=organisation, **fields)


def make_template(organisation: Any, **fields: Any) -> ShiftTemplate:
    fields.setdefault("name", "Förmiddag 4 h")
    fields.setdefault("length_minutes", 240)
    fields.setdefault("earliest_start", dt.time(8, 0))
    fields.setdefault("latest_start", dt.time(8, 0))
    fields.setdefault(
        "breaks",
        [
            {
                "label": "break",
                "duration_minutes": 15,
                "earliest_offset_minutes": 60,
                "latest_offset_minutes": 150,
            }
        ],
    )
    return ShiftTemplate.objects.create(organisation=organisation, **fields)


def make_schedule(organisation: Any, week_start: dt.date, status: str = "published") -> Schedule:
    return Schedule.objects.create(
        organisation=organisation,
        week_start=week_start,
        status=status,
        published_at=timezone.now() if status == "published" else None,
    )


def make_shift(
    schedule: Schedule,
    person: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    breaks: list[tuple[str, dt.datetime, dt.datetime]] = (),  # type: ignore[assignment]
    location: str = "home",
) -> Shift:
    shift = Shift.objects.create(
        organisation=schedule.organisation,
        schedule=schedule,
        person=person,
        team_id=person.team_id,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
    )
    for label, begin, end in breaks:
        ShiftBreak.objects.create(
            organisation=schedule.organisation,
            shift=shift,
            label=label,
            starts_at=begin,
            ends_at=end,
        )
    return shift
