"""Tenant isolation of the reports: B's supervisor never sees A's aggregates or events."""

from __future__ import annotations

from tests.web.isolation import Probe, World, case, must_not_show, world_builder

QUERY = "?start=2020-01-01&end=2030-12-31&by=month&group=queue"
ALFA = must_not_show(
    lambda w: "alfakod-rapport", lambda w: "Alfarapportämne", lambda w: "alfahändelse"
)


@world_builder
def _reports_world(world: World) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from distans.core.reports.aggregate import ContactCounts
    from distans.core.reports.records import GroupKey
    from distans.reports.aggregation import upsert_contact_rows
    from distans.routing.models import RoutingEvent

    at = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("UTC"))
    upsert_contact_rows(
        world.org_a.pk,
        {
            (at, GroupKey("alfakod-rapport", "phone", "Alfarapportämne")): ContactCounts(
                offered=1, other=1
            )
        },
    )
    RoutingEvent.objects.create(
        organisation=world.org_a, name="alfahändelse", at=at, data={"x": "alfahändelse"}
    )


for _name, _path in [
    ("reports:index", "/reports/"),
    ("reports:export_csv", "/reports/export.csv"),
    ("reports:export_xlsx", "/reports/export.xlsx"),
    ("reports:events_csv", "/reports/events.csv"),
]:
    case(_name)(
        lambda world, _p=_path: [
            Probe("get", _p + QUERY, ALFA),
            Probe("get", _p + QUERY + "&group=topic", ALFA),
        ]
    )
