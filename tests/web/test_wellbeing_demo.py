"""The wellbeing demo data: made through the actions, with someone overdue, a planned
check-in, meetings and earlier weeks of pulse answers; loading twice adds nothing."""

from __future__ import annotations

import pytest
from tests.factories import make_organisation, make_person, make_team

from distans.wellbeing import demo, queries
from distans.wellbeing.models import CheckIn, PulseComment, PulseRound, PulseTally, TeamMeeting

pytestmark = pytest.mark.django_db


def test_the_demo_loader_makes_a_believable_week_and_is_idempotent() -> None:
    org = make_organisation()
    for name in ("Lag Norr", "Lag Syd"):
        team = make_team(org, name=name)
        leader = make_person(org, full_name=f"Ledare {name}", team=team, is_team_leader=True)
        team.leader = leader
        team.save()
        for i in range(3):
            make_person(org, full_name=f"{name} {i}", team=team)
    demo.load(org)
    counts = (
        CheckIn.objects.count(),
        TeamMeeting.objects.count(),
        PulseTally.objects.count(),
        PulseComment.objects.count(),
    )
    demo.load(org)
    assert counts == (
        CheckIn.objects.count(),
        TeamMeeting.objects.count(),
        PulseTally.objects.count(),
        PulseComment.objects.count(),
    )
    today = queries.local_today(org.pk)
    team = queries.teams_for(make_person(org, is_supervisor=True))[0]
    rows = queries.checkin_overview(team, today, team.leader)
    assert any(r.overdue for r in rows) and not all(r.overdue for r in rows)
    assert any(r.next_planned for r in rows)
    assert queries.round_of(org.pk, today) is None  # this week is the visitor's to answer
    assert PulseRound.objects.for_org(org).count() == 6
    assert PulseComment.objects.for_org(org).exclude(reply="").exists()
    points = queries.trend(org.pk, team, queries.monday_of(today))
    assert sum(p["value"] is not None for p in points) >= 5
