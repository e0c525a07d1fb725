"""The demo: a supervisor can plan next week, and agents see their published shifts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from distans.accounts.models import Person
from distans.planning.models import Schedule, Shift

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_this_and_next_week_once_and_agents_see_their_shifts(
    settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from distans.demo.data import demo_email, load_demo

    settings.VAR_DIR = tmp_path
    organisation = load_demo()  # imports the app loaders in app order (routing's queues first)
    published = Schedule.objects.for_org(organisation).filter(status="published")
    assert published.count() == 2, list(Schedule.objects.values_list("status", "message"))
    this_week, next_week = sorted(published.values_list("week_start", flat=True))
    assert next_week - this_week == dt.timedelta(days=7) and this_week.weekday() == 0
    zone = ZoneInfo(organisation.time_zone)
    for schedule in published:
        shifts = Shift.objects.filter(schedule=schedule).select_related("team")
        assert shifts.count() > 0
        by_day: dict[dt.date, list[Shift]] = {}
        for shift in shifts:
            by_day.setdefault(shift.starts_at.astimezone(zone).date(), []).append(shift)
            assert shift.starts_at.astimezone(zone).time() in (
                dt.time(8, 0),
                dt.time(8, 30),
                dt.time(10, 0),
                dt.time(10, 30),
            )
        for rows in by_day.values():
            at_office = [s for s in rows if s.location == "office"]
            assert len(at_office) <= 8  # Kontaktcenter's seats
            assert len({s.team_id for s in at_office}) <= 1  # teams never share the office

    # Built through the actions the settings and planning pages call (audited), and
    # generated/published as the planner does it.
    from distans.accounts.models import AuditEntry

    logged = set(AuditEntry.objects.for_org(organisation).values_list("action", flat=True))
    assert {"planning_settings.changed", "shift_template.created", "availability.created"} <= logged
    assert "agent.changed" in logged  # skills and queues through administration's action
    planner = Person.objects.for_org(organisation).filter(is_planner=True).order_by("pk").first()
    assert set(published.values_list("created_by", flat=True)) == {planner.pk}

    from distans.planning.demo import load_planning_demo

    load_planning_demo(organisation)  # idempotent: nothing new
    assert Schedule.objects.for_org(organisation).count() == 2

    supervisor = Person.objects.get(email=demo_email("supervisor"))
    client = Client()
    client.force_login(supervisor)
    assert client.get("/planning/").status_code == 200
    anna = Person.objects.get(email=demo_email("agent"))
    client.force_login(anna)
    body = client.get("/planning/my-shifts/").content.decode()
    has_upcoming = Shift.objects.filter(
        person=anna,
        schedule__status="published",
        ends_at__gt=dt.datetime.now(tz=zone).replace(hour=0, minute=0),
    ).exists()
    assert ('class="plan-shift' in body) == has_upcoming
