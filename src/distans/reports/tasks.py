"""Periodic report work: fold new events into the interval aggregate (safe in many workers)."""

from __future__ import annotations

from distans.background import every


@every(30.0)
def update_report_aggregates() -> None:
    """For every organisation with events after its high-water mark, update the aggregate.

    Each organisation's batch holds its cursor row (SELECT … FOR UPDATE), so two workers
    running this at once process every event exactly once.
    """
    from django.db.models import Max

    from distans.reports.actions import do_update_aggregates
    from distans.reports.models import ReportCursor
    from distans.routing.models import RoutingEvent

    latest = dict(
        RoutingEvent.objects.values("organisation_id")
        .annotate(m=Max("id"))
        .values_list("organisation_id", "m")
    )
    marks = dict(ReportCursor.objects.values_list("organisation_id", "last_event_id"))
    for organisation_id, last in latest.items():
        if last > marks.get(organisation_id, 0):
            do_update_aggregates(organisation_id)
