"""Absence meets routing: someone reported absent cannot set themself available (a
presence gate), reporting today's absence signs an available or away agent out
through routing's own action, and the demo's simulated colleagues stay offline while
reported absent."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_person, make_queue, make_team

from distans.absence import actions as absence
from distans.absence.gate import ReportedAbsent
from distans.routing import actions as routing
from distans.routing.demo_traffic import Duty, Roster, Span, load_absences
from distans.routing.models import AgentState, RoutingEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def commits(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def run(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def world() -> dict[str, Any]:
    org = make_organisation()
    team = make_team(org, name="Lag Norr")
    queue = make_queue(org)
    boss = make_person(org, full_name="Sara Super", is_supervisor=True, is_agent=False)
    agent = make_agent(org, [queue], full_name="Erik Johansson", team=team)
    return {"org": org, "agent": agent, "boss": boss}


def _today(org: Any) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(org.time_zone)).date()


def _presence(person: Any) -> str:
    return AgentState.objects.get(person=person).presence


def test_reported_absent_cannot_go_available_until_back(
    world: dict[str, Any], commits: Any
) -> None:
    org, agent = world["org"], world["agent"]
    sickness = absence.do_report_absence(agent, "sick", _today(org), by=agent)
    with pytest.raises(ReportedAbsent):
        routing.do_set_presence(agent, "available")
    assert _presence(agent) == "offline"
    # On the desk the refusal is a sentence in the person's language.
    client = Client()
    client.force_login(agent)
    body = client.post("/desk/presence/", {"presence": "available"}).content.decode()
    assert "Du är frånvaroanmäld i dag." in body
    assert _presence(agent) == "offline"
    # Only self-set "available" is held: a supervisor may still change the agent.
    commits(routing.do_set_presence, agent, "available", actor=world["boss"])
    assert _presence(agent) == "available"
    commits(routing.do_set_presence, agent, "offline")
    # Back at work: the gate opens.
    commits(absence.do_end_absence, sickness, agent)
    commits(routing.do_set_presence, agent, "available")
    assert _presence(agent) == "available"


def test_an_absence_that_has_not_begun_does_not_hold_back(
    world: dict[str, Any], commits: Any
) -> None:
    org, agent = world["org"], world["agent"]
    commits(routing.do_set_presence, agent, "available")
    absence.do_report_absence(agent, "other", _today(org) + dt.timedelta(days=1), by=agent)
    assert _presence(agent) == "available"  # tomorrow's absence: still at work today
    commits(routing.do_set_presence, agent, "offline")
    commits(routing.do_set_presence, agent, "available")
    assert _presence(agent) == "available"


@pytest.mark.parametrize("presence", ["available", "away"])
def test_reporting_todays_absence_signs_the_agent_out_through_routing(
    world: dict[str, Any], commits: Any, presence: str
) -> None:
    org, agent, boss = world["org"], world["agent"], world["boss"]
    commits(routing.do_set_presence, agent, "available")
    if presence == "away":
        commits(routing.do_set_presence, agent, "away", actor=boss)
    assert _presence(agent) == presence
    commits(absence.do_report_absence, agent, "child_sick", _today(org), by=boss)
    assert _presence(agent) == "offline"
    last = RoutingEvent.objects.filter(organisation=org, name="agent_state_changed").latest("pk")
    assert last.agent_id == agent.pk
    assert last.data["from"] == presence and last.data["to"] == "offline"
    assert last.data["reason"] == "absence" and last.data["by"] == boss.pk


def test_a_busy_agent_finishes_the_contact(world: dict[str, Any], commits: Any) -> None:
    org, agent = world["org"], world["agent"]
    commits(routing.do_set_presence, agent, "available")
    AgentState.objects.filter(person=agent).update(presence="busy")
    commits(absence.do_report_absence, agent, "sick", _today(org), by=agent)
    assert _presence(agent) == "busy"  # not cut off mid-call


def test_demo_colleagues_stay_offline_while_reported_absent(world: dict[str, Any]) -> None:
    org, agent = world["org"], world["agent"]
    now = timezone.now()
    absence.do_report_absence(agent, "sick", _today(org), by=agent)
    absent = load_absences([agent.email, "other@example.org"], now)
    assert list(absent) == [agent.email]
    shift = Span(now - dt.timedelta(hours=1), now + dt.timedelta(hours=3))
    roster = Roster(
        {agent.email: Duty([shift]), "other@example.org": Duty([shift])},
        [agent.email, "other@example.org"],
        absent,
    )
    assert roster.wanted(agent.email, now) == ("off", "")
    assert roster.wanted("other@example.org", now) == ("work", "")
    # With no shift at all now everyone works the rhythm — except the absent.
    unscheduled = Roster({}, [agent.email, "other@example.org"], absent)
    assert unscheduled.wanted(agent.email, now)[0] == "off"
    tomorrow = now + dt.timedelta(days=2)
    assert unscheduled.wanted(agent.email, tomorrow)[0] != "off"
