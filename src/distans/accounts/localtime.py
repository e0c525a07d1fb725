"""An organisation's own clock: its time zone, its local now and its today.

One definition for every app (planning, absence, visits, wellbeing, announcements…):
"today" is the organisation's calendar day in ``Organisation.time_zone``, whatever the
server's zone or the person's browser."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from distans.accounts.models import Organisation


def zone_of(organisation: Organisation | int) -> ZoneInfo:
    """The organisation's time zone (an id costs one query)."""
    if isinstance(organisation, int):
        name = Organisation.objects.values_list("time_zone", flat=True).get(pk=organisation)
        return ZoneInfo(name)
    return ZoneInfo(organisation.time_zone)


def local_now(organisation: Organisation | int, now: dt.datetime | None = None) -> dt.datetime:
    """``now`` (default: this moment) on the organisation's wall clock."""
    return (now or timezone.now()).astimezone(zone_of(organisation))


def local_today(organisation: Organisation | int, now: dt.datetime | None = None) -> dt.date:
    """The organisation's calendar day at ``now`` (default: this moment)."""
    return local_now(organisation, now).date()
