"""Reads of the setup app."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from distans.accounts.models import Organisation, Person
from distans.routing.convert import calendar_of
from distans.routing.models import Queue


def queues(organisation: Organisation | int) -> list[Queue]:
    return list(Queue.objects.for_org(organisation).order_by("name"))


def get_queue(organisation: Organisation | int, queue_id: int) -> Queue | None:
    return Queue.objects.for_org(organisation).filter(pk=queue_id).first()


def opening_overview(queue: Queue, days: int = 14, now: datetime | None = None) -> dict[str, Any]:
    """Open now?, and the hours of the coming days with why (weekly, holiday, ad-hoc)
    — read from the same calendar routing, the widget and planning read."""
    now = now or timezone.now()
    calendar = calendar_of(queue, queue.organisation.time_zone)
    if calendar is None:
        return {"always_open": True, "open_now": True, "days": []}
    today: date = now.astimezone(calendar.zone).date()
    rows = []
    for offset in range(days):
        hours = calendar.hours_on(today + timedelta(days=offset))
        rows.append(
            {
                "on": hours.on,
                "ranges": [str(r) for r in hours.ranges],
                "source": hours.source,
                "name": hours.name,
            }
        )
    return {"always_open": False, "open_now": calendar.is_open(now), "days": rows}


def organisation_is_new(organisation: Organisation) -> bool:
    """No queue yet: the first-run setup is not done."""
    return not Queue.objects.for_org(organisation).exists()


def any_person() -> bool:
    return Person.objects.exists()


def first_run_status(organisation: Organisation) -> dict[str, bool]:
    """Which first-run steps have something saved."""
    from distans.accounts.models import Site, Team
    from distans.channels_chat.models import ChatWidget

    return {
        "organisation": True,
        "sites": Site.objects.for_org(organisation).exists(),
        "team": Team.objects.for_org(organisation).exists(),
        "queue": Queue.objects.for_org(organisation).exists(),
        "channel": ChatWidget.objects.for_org(organisation).exists(),
        "people": Person.objects.for_org(organisation).filter(is_agent=True).exists(),
        "test": False,
    }


def first_widget(organisation: Organisation) -> Any:
    from distans.channels_chat.models import ChatWidget

    return ChatWidget.objects.for_org(organisation).filter(active=True).order_by("pk").first()


def first_queue(organisation: Organisation) -> Queue | None:
    return Queue.objects.for_org(organisation).order_by("pk").first()
