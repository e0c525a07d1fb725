"""Visits test data: a service open every day around the clock (so tests never depend
on the weekday or the hour they run at), and a moment of tomorrow."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from tests.factories import make_queue, make_site

from distans.visits.models import VisitService

ALL_DAY = {str(d): [["00:00", "24:00"]] for d in range(7)}


def make_service(organisation: Any, **fields: Any) -> VisitService:
    staff = fields.pop("staff", [])
    fields.setdefault("name", "Bygglovsmöte")
    if "site" not in fields:
        fields["site"] = make_site(organisation, address="Storgatan 1")
    if "hours_queue" not in fields:
        fields["hours_queue"] = make_queue(
            organisation, weekly_hours=ALL_DAY, holiday_country="", always_open=False
        )
    fields.setdefault("duration_minutes", 30)
    fields.setdefault("min_notice_hours", 0)
    service = VisitService.objects.create(organisation=organisation, **fields)
    if staff:
        service.staff.set(staff)
    return service


def tomorrow_at(organisation: Any, hour: int, minute: int = 0) -> dt.datetime:
    """Tomorrow's local ``hour:minute`` as an aware UTC instant."""
    zone = ZoneInfo(organisation.time_zone)
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone).astimezone(dt.UTC)
