"""The demo's absence data, made through the app's actions: who is out today, who is
not ready to work from home (and is left out of a new week), IT's list, a swap."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from distans.absence import queries
from distans.absence.models import ItProblem, SwapRequest
from distans.accounts.models import Person

pytestmark = pytest.mark.django_db


def test_the_demo_has_absences_readiness_and_a_swap(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from distans.demo.data import demo_email, load_demo
    from distans.planning import actions as planning_actions
    from distans.planning.models import Schedule
    from distans.planning.queries import not_ready_for_home

    settings.VAR_DIR = tmp_path
    organisation = load_demo()
    today = queries.local_today(organisation)
    out = {p.email for p in queries.absent_people(organisation, today)}
    assert out == {demo_email("maja"), demo_email("omar")}
    assert [row["name"] for row in not_ready_for_home(organisation)] == ["Mikael Ek"]
    assert ItProblem.objects.filter(organisation=organisation, status="open").count() == 1
    assert SwapRequest.objects.filter(organisation=organisation, status="agreed").count() <= 1

    # A new week leaves Mikael out and says why; the rest are scheduled.
    next_week = planning_actions.week_start_of(today) + dt.timedelta(days=7)
    schedule = Schedule.objects.create(organisation=organisation, week_start=next_week)
    schedule = planning_actions.do_solve_schedule(schedule.pk, 8)
    assert schedule.status == "draft", schedule.message
    assert [row["name"] for row in schedule.stats["left_out"]] == ["Mikael Ek"]
    mikael = Person.objects.get(email=demo_email("mikael"))
    assert not schedule.shifts.filter(person=mikael).exists()

    leader = Person.objects.get(email=demo_email("sofia"))  # Lag Syd's leader
    client = Client()
    client.force_login(leader)
    page = client.get("/absence/team/").content.decode()
    assert "Maja Andersson" in page and "Omar Ali" in page
    assert client.get("/absence/today/").status_code == 200
    assert client.get("/absence/month/").status_code == 200
