"""Periodic switchboard jobs: people's calendar feeds."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from distans.background import every

CALENDAR_EVERY_SECONDS = 600


@every(60)
def fetch_calendars(limit: int = 50) -> int:
    """Read the calendar feeds not read for ``CALENDAR_EVERY_SECONDS`` (a few per pass,
    so a thousand feeds spread over the interval)."""
    from django.db.models import Q

    from distans.switchboard.actions import do_fetch_calendar
    from distans.switchboard.models import DirectoryEntry

    due = timezone.now() - dt.timedelta(seconds=CALENDAR_EVERY_SECONDS)
    entries = (
        DirectoryEntry.objects.exclude(calendar_url="")
        .filter(Q(calendar_checked_at__isnull=True) | Q(calendar_checked_at__lt=due))
        .order_by("calendar_checked_at")[:limit]
    )
    return sum(1 for entry in entries if do_fetch_calendar(entry) >= 0)
