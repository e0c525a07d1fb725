"""Generating a week's schedule with the core's CP-SAT roster (teams as cohorts that
never share the office, seats from the Site), and publishing it to the agents."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from tests.factories import (
    make_agent,
    make_organisation,
    make_person,
    make_queue,
    make_site,
    make_team,
)
from tests.factories_planning import (
    WEEKDAYS_8_TO_12,
    make_history,
    make_plan,
    make_settings,
    make_template,
    next_monday,
)

from distans.planning import actions
from distans.planning.models import Schedule, Shift
from distans.realtime.groups import person_group


def _small_org():  # type: ignore[no-untyped-def]
    org = make_organisation(time_zone="Europe/Stockholm")
    make_settings(org, teams_apart_at_office=True, min_office_days_per_team=1, solver_seconds=10)
    queue = make_queue(
        org, name="Allmänt", code="allmant", weekly_hours=WEEKDAYS_8_TO_12, holiday_country=""
    )
    make_history(queue, weeks=5, busy=5, quiet=3)
    make_plan(queue, aht_seconds=240)
    make_template(org)
    office = make_site(org, name="Kontoret", kind="office", seat_capacity=2)
    home = make_site(org, name="Hemma", kind="home")
    teams = [make_team(org, name="Lag Norr"), make_team(org, name="Lag Syd")]
    agents = [
        make_agent(org, [queue], full_name=f"Agent {t}{i}", team=team)
        for t, team in enumerate(teams)
        for i in range(2)
    ]
    supervisor = make_person(org, full_name="Sara Super", is_agent=False, is_supervisor=True)
    return org, queue, office, home, teams, agents, supervisor


@pytest.mark.django_db(transaction=True)
def test_generating_a_schedule_keeps_teams_together_apart_and_within_the_seats() -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    org, queue, office, home, teams, agents, supervisor = _small_org()
    client = Client()
    client.force_login(supervisor)
    monday = next_monday(org)

    response = client.post("/planning/schedules/generate/", {"week_start": monday.isoformat()})
    schedule = Schedule.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{schedule.pk}/")
    assert schedule.status == "generating"
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()

    schedule.refresh_from_db()
    assert schedule.status == "draft", schedule.message
    assert schedule.solver_status in ("OPTIMAL", "FEASIBLE")
    shifts = list(
        Shift.objects.filter(schedule=schedule).select_related("person").prefetch_related("breaks")
    )
    assert shifts
    zone = ZoneInfo(org.time_zone)
    by_day: dict[dt.date, list[Shift]] = defaultdict(list)
    for shift in shifts:
        by_day[shift.starts_at.astimezone(zone).date()].append(shift)
        assert shift.starts_at.astimezone(zone).time() >= dt.time(8, 0)
        assert shift.ends_at.astimezone(zone).time() <= dt.time(12, 0)
        assert shift.team_id == shift.person.team_id
        assert shift.site == (office if shift.location == "office" else home)
        assert len(shift.breaks.all()) == 1  # the template's break, placed by the solver
        for item in shift.breaks.all():
            assert shift.starts_at < item.starts_at < item.ends_at < shift.ends_at
    assert all(day.weekday() < 5 for day in by_day)  # closed at weekends
    office_teams_by_day = []
    for rows in by_day.values():
        for team in teams:  # a team works as a unit: all or none, the same shift and place
            mine = [s for s in rows if s.team_id == team.pk]
            assert len(mine) in (0, 2)
            assert len({(s.starts_at, s.ends_at, s.location) for s in mine}) <= 1
        at_office = [s for s in rows if s.location == "office"]
        assert len(at_office) <= office.seat_capacity
        assert len({s.team_id for s in at_office}) <= 1  # teams never share the office
        office_teams_by_day.append({s.team_id for s in at_office})
    for team in teams:  # each team got its office day
        assert any(team.pk in ids for ids in office_teams_by_day)
    levels = schedule.stats["daily_service_levels"]
    assert all(level >= 0.8 - 1e-9 for level in levels[:5])

    page = client.get(f"/planning/schedules/{schedule.pk}/").content.decode()
    assert "Agent 00" in page
    assert f"/planning/schedules/{schedule.pk}/publish/" in page


@pytest.mark.django_db
def test_publishing_notifies_every_agent_with_a_shift(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    org, queue, office, home, teams, agents, supervisor = _small_org()
    schedule = Schedule.objects.create(organisation=org, week_start=next_monday(org))
    schedule = actions.do_solve_schedule(schedule.pk, 10)
    assert schedule.status == "draft", schedule.message
    with_shift = set(schedule.shifts.values_list("person_id", flat=True))
    layer = get_channel_layer()
    channels = {}
    for agent in agents:
        channels[agent.pk] = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(person_group(agent.pk), channels[agent.pk])
    client = Client()
    client.force_login(supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/planning/schedules/{schedule.pk}/publish/")

    assert response.status_code == 200
    schedule.refresh_from_db()
    assert schedule.status == "published" and schedule.published_at is not None
    for person_id in with_shift:
        event = async_to_sync(layer.receive)(channels[person_id])["event"]
        assert event["kind"] == "schedule" and event["schedule_id"] == schedule.pk


@pytest.mark.django_db
def test_publishing_replaces_the_week_s_earlier_schedule_and_only_drafts_publish() -> None:
    org, *_rest = _small_org()
    week = next_monday(org)
    first = actions.do_solve_schedule(
        Schedule.objects.create(organisation=org, week_start=week).pk, 10
    )
    second = actions.do_solve_schedule(
        Schedule.objects.create(organisation=org, week_start=week).pk, 10
    )
    actions.do_publish_schedule(first, None)
    actions.do_publish_schedule(second, None)
    first.refresh_from_db()
    assert (first.status, Schedule.objects.get(pk=second.pk).status) == ("replaced", "published")
    from distans.core.errors import StateConflict

    with pytest.raises(StateConflict):
        actions.do_publish_schedule(first, None)


@pytest.mark.django_db
def test_an_impossible_week_fails_with_a_reason() -> None:
    org = make_organisation()
    make_settings(org, solver_seconds=2)
    queue = make_queue(org, weekly_hours=WEEKDAYS_8_TO_12, holiday_country="")
    make_history(queue, weeks=5)
    make_template(org)  # but nobody to schedule
    schedule = actions.do_solve_schedule(
        Schedule.objects.create(organisation=org, week_start=next_monday(org)).pk
    )
    assert schedule.status == "failed" and "agents" in schedule.message


@pytest.mark.django_db
def test_a_template_with_overlapping_breaks_is_refused() -> None:
    from django.core.exceptions import ValidationError

    from distans.planning.models import ShiftTemplate

    org = make_organisation()
    template = ShiftTemplate(
        organisation=org,
        name="Fel",
        length_minutes=240,
        breaks=[
            {"duration_minutes": 30, "earliest_offset_minutes": 60, "latest_offset_minutes": 120},
            {"duration_minutes": 15, "earliest_offset_minutes": 90, "latest_offset_minutes": 150},
        ],
    )
    with pytest.raises(ValidationError, match="break windows"):
        template.clean()
    template.breaks = [{"duration": 15}]
    with pytest.raises(ValidationError, match="not valid"):
        template.clean()
