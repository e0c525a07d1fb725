"""Factories for announcement tests: a published shift today, an announcement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from distans.announcements.models import Announcement


def shift_today(
    person: Any, starts_at: dt.datetime | None = None, hours: int = 4, **fields: Any
) -> Any:
    """A shift of a published schedule for ``person`` starting now (always "today")."""
    from tests.factories_planning import make_schedule, make_shift

    start = starts_at or timezone.now()
    from zoneinfo import ZoneInfo

    day = start.astimezone(ZoneInfo(person.organisation.time_zone)).date()  # the org's day
    week = day - dt.timedelta(days=day.weekday())
    from distans.planning.models import Schedule

    schedule = Schedule.objects.filter(
        organisation=person.organisation, week_start=week, status="published"
    ).first()
    schedule = schedule or make_schedule(person.organisation, week)
    return make_shift(schedule, person, start, start + dt.timedelta(hours=hours), **fields)


def make_announcement(organisation: Any, author: Any, **fields: Any) -> Announcement:
    fields.setdefault("title_sv", "Nya regler för hemarbete")
    fields.setdefault("body_sv", "Läs **noga**.")
    fields.setdefault("title_en", "New rules for working from home")
    fields.setdefault("priority", "acknowledge")
    return Announcement.objects.create(organisation=organisation, created_by=author, **fields)
