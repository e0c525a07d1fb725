"""A team leader oversees their own teams only: on the wallboard (queues their people
serve, their people, those queues' topics) and in reports (their teams' figures, their
choices, the raw events of their queues and people). Supervisors see everything."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person, make_queue, make_team

from distans.contacts.models import Contact
from distans.core.reports.aggregate import ContactCounts
from distans.core.reports.records import GroupKey
from distans.reports.aggregation import upsert_contact_rows
from distans.routing.models import AgentState, RoutingEvent

pytestmark = pytest.mark.django_db

QUERY = "?start=2026-11-02&end=2026-11-02&by=day"


@pytest.fixture
def world() -> dict[str, Any]:
    org = make_organisation(time_zone="Europe/Stockholm")
    own, other = make_team(org, name="Lag Norr"), make_team(org, name="Lag Söder")
    leader = make_person(org, full_name="Lea Ledare", is_team_leader=True, is_agent=False, team=own)
    own.leader = leader
    own.save(update_fields=["leader"])
    q_own = make_queue(org, code="bygglov", name="Bygglovskön")
    q_other = make_queue(org, code="skatt", name="Skattekön")
    mine = make_person(org, full_name="Mia Egen", team=own)
    theirs = make_person(org, full_name="Tor Annan", team=other)
    AgentState.objects.create(organisation=org, person=mine).queues.set([q_own])
    AgentState.objects.create(organisation=org, person=theirs).queues.set([q_other])
    Contact.objects.create(
        organisation=org, queue=q_own, channel="phone", status="completed", topic="Bygglov › Altan"
    )
    Contact.objects.create(
        organisation=org,
        queue=q_other,
        channel="phone",
        status="completed",
        topic="Skatt › Deklaration",
    )
    at = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    upsert_contact_rows(org.pk, {
        (at, GroupKey("bygglov", "phone", "", str(own.pk), str(mine.pk))): ContactCounts(offered=3, answered=3),
        (at, GroupKey("skatt", "phone", "", str(other.pk), str(theirs.pk))): ContactCounts(offered=40, answered=40),
    })  # fmt: skip
    RoutingEvent.objects.create(
        organisation=org, name="contact_queued", at=at, contact_id=1, queue_id=q_own.pk
    )
    RoutingEvent.objects.create(
        organisation=org, name="contact_queued", at=at, contact_id=2, queue_id=q_other.pk
    )
    client = Client()
    client.force_login(leader)
    supervisor = Client()
    supervisor.force_login(make_person(org, is_supervisor=True, is_agent=False))
    return {"org": org, "own": own, "other": other, "mine": mine, "theirs": theirs,
            "q_own": q_own, "q_other": q_other, "leader": client, "supervisor": supervisor}  # fmt: skip


def test_the_wallboard_shows_a_team_leader_their_teams_only(world: dict[str, Any]) -> None:
    leader, supervisor = world["leader"], world["supervisor"]
    queues = leader.get("/wallboard/queues/").content.decode()
    assert "Bygglovskön" in queues and "Skattekön" not in queues
    agents = leader.get("/wallboard/agents/").content.decode()
    assert "Mia Egen" in agents and "Tor Annan" not in agents
    topics = leader.get("/wallboard/topics/").content.decode()
    assert "Altan" in topics and "Deklaration" not in topics
    assert leader.get(f"/wallboard/agents/{world['theirs'].pk}/").status_code == 404
    assert leader.get(f"/wallboard/agents/{world['mine'].pk}/").status_code == 200
    everything = (
        supervisor.get("/wallboard/queues/").content.decode()
        + supervisor.get("/wallboard/agents/").content.decode()
    )
    assert all(name in everything for name in ("Bygglovskön", "Skattekön", "Mia Egen", "Tor Annan"))


def test_reports_count_a_team_leaders_teams_only(world: dict[str, Any]) -> None:
    leader, supervisor = world["leader"], world["supervisor"]
    mine = leader.get("/reports/" + QUERY).content.decode()
    assert ">3<" in mine and ">40<" not in mine and ">43<" not in mine
    assert ">43<" in supervisor.get("/reports/" + QUERY).content.decode()
    # asking for the other team gives nothing of it, not the whole organisation
    other = leader.get("/reports/" + QUERY + f"&f_team={world['other'].pk}")
    assert ">40<" not in other.content.decode() and ">43<" not in other.content.decode()
    grouped = leader.get("/reports/" + QUERY + "&group=agent").content.decode()
    assert "Mia Egen" in grouped and "Tor Annan" not in grouped
    exported = leader.get("/reports/export.csv" + QUERY).content.decode()
    assert ",40," not in exported and ",43," not in exported
    assert len(_events(leader)) == 1
    assert len(_events(supervisor)) == 2


def _events(client: Client) -> list[dict[str, str]]:
    response = client.get("/reports/events.csv" + QUERY)
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))
