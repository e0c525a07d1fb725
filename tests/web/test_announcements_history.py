"""Announcements over time (issue 17): reach per announcement against the roster of
the day it was sent, summed per week, shown as a report; the weekly newsletter timer."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from tests.factories import make_agent, make_organisation, make_person, make_queue, make_team
from tests.factories_announcements import make_announcement, shift_today

from distans.accounts.models import AuditEntry, Person
from distans.announcements import actions, queries
from distans.announcements.models import NewsletterIssue, Receipt
from distans.channels_email.models import OutgoingMail

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Europe/Stockholm")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def world(django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    org = make_organisation()
    north, south = make_team(org, name="Lag Norr"), make_team(org, name="Lag Söder")
    queue = make_queue(org)
    boss = make_person(org, full_name="Sara Super", is_supervisor=True, is_agent=False)
    leader = make_person(
        org, full_name="Lena Ledare", team=north, is_team_leader=True, is_agent=False
    )
    ann = make_agent(org, [queue], full_name="Ann Norr", team=north)
    bo = make_agent(org, [queue], full_name="Bo Norr", team=north)
    cia = make_agent(org, [queue], full_name="Cia Söder", team=south)
    return {"org": org, "north": north, "south": south, "boss": boss, "leader": leader,
            "ann": ann, "bo": bo, "cia": cia}  # fmt: skip


def _sent(world: dict[str, Any], at: dt.datetime, title: str) -> Any:
    announcement = make_announcement(world["org"], world["boss"], title_sv=title)
    actions.do_send_announcement(announcement, now=at)
    return announcement


def _ack(announcement: Any, person: Any, at: dt.datetime) -> None:
    Receipt.objects.filter(announcement=announcement, person=person).update(
        acknowledged_at=at, acknowledged_version=1
    )


def _two_weeks(world: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """Week 1 (a Tuesday): Ann and Cia work from 08:00; Ann acknowledges in time, Cia
    late; Bo has no shift (not counted). Week 2 (the next Tuesday): Ann, Bo and Cia work;
    only Bo acknowledges, in time."""
    today = dt.datetime.now(ZONE).date()
    first = today - dt.timedelta(days=today.weekday() + 13)  # Tuesday two weeks back
    second = first + dt.timedelta(days=7)
    for person in (world["ann"], world["cia"]):
        shift_today(person, starts_at=_at(first, 8), hours=8)
    for person in (world["ann"], world["bo"], world["cia"]):
        shift_today(person, starts_at=_at(second, 8), hours=8)
    one = _sent(world, _at(first, 7), "Nya regler vecka ett")
    _ack(one, world["ann"], _at(first, 8, 10))
    _ack(one, world["cia"], _at(first, 11))
    two = _sent(world, _at(second, 9), "Nya regler vecka två")
    _ack(two, world["bo"], _at(second, 9, 20))
    return first, second


def test_reach_history_counts_each_announcement_against_its_own_days_roster(
    world: dict[str, Any],
) -> None:
    first, second = _two_weeks(world)
    rows, weeks = queries.reach_history(world["org"], first, second)
    assert [(r.day, r.reach.working, r.reach.acknowledged, r.reach.in_time) for r in rows] == [
        (first, 2, 2, 1),
        (second, 3, 1, 1),
    ]
    assert [(w.announcements, w.working, w.in_time, w.percent_in_time) for w in weeks] == [
        (1, 2, 1, 50),
        (1, 3, 1, 33),
    ]
    # one team only: Lag Söder has Cia alone, late in week one, silent in week two
    rows, weeks = queries.reach_history(world["org"], first, second, world["south"].pk)
    assert [(r.reach.working, r.reach.in_time) for r in rows] == [(1, 0), (1, 0)]
    # the period bounds are the organisation's days
    rows, _ = queries.reach_history(world["org"], second, second)
    assert [r.announcement.title_sv for r in rows] == ["Nya regler vecka två"]


def test_the_report_page_shows_weeks_and_announcements_and_scopes_a_team_leader(
    world: dict[str, Any],
) -> None:
    first, second = _two_weeks(world)
    query = f"?from={first.isoformat()}&to={second.isoformat()}"
    boss = Client()
    boss.force_login(world["boss"])
    page = boss.get("/announcements/reach/history/" + query).content.decode()
    assert "Räckvidd över tid" in page
    assert "Nya regler vecka ett" in page and "Nya regler vecka två" in page
    assert f'<option value="{world["south"].pk}"' in page  # a supervisor picks any team
    weeks = page[page.index('id="reach-weeks"') :]
    assert ">50<" in weeks and ">33<" in weeks
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "," not in svg.split("<title")[0]  # geometry without decimal commas
    assert 'height="100"' in svg  # 50 % is 100 of 200 px

    leader = Client()
    leader.force_login(world["leader"])
    # the team leader's own team only, even when asking for another
    page = leader.get(
        "/announcements/reach/history/" + query + f"&team={world['south'].pk}"
    ).content.decode()
    assert "Lag Norr" in page and "Lag Söder" not in page
    weeks = page[page.index('id="reach-weeks"') :]
    # Lag Norr: week one Ann in time (1 of 1), week two Ann and Bo, Bo in time (1 of 2)
    assert ">100<" in weeks and ">50<" in weeks

    agent = Client()
    agent.force_login(world["ann"])
    assert agent.get("/announcements/reach/history/").status_code == 403


def test_a_bad_period_is_a_clear_swedish_message(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["boss"])
    response = client.get("/announcements/reach/history/?from=2026-05-01&to=2026-01-01")
    assert response.status_code == 422
    assert "Välj en period" in response.content.decode()
    assert client.get("/announcements/reach/history/?from=inte-ett-datum").status_code == 200


def test_the_reports_page_links_to_reach_over_time(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["boss"])
    assert "/announcements/reach/history/" in client.get("/reports/").content.decode()


def test_the_weekly_newsletter_goes_out_once_per_week_when_due(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(world["boss"])
    response = client.post(
        "/announcements/newsletter/",
        {"save_settings": "1", "weekly": "on", "weekday": "4", "hour": "14"},
    )
    assert response.status_code == 200 and "Sparat." in response.content.decode()
    assert AuditEntry.objects.filter(action="newsletter.settings").count() == 1

    people = Person.objects.for_org(world["org"]).filter(is_active=True).count()
    assert people == 5
    friday = dt.date(2026, 12, 11)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_send_weekly_newsletters(_at(friday, 13, 59)) == 0  # before the hour
        assert actions.do_send_weekly_newsletters(_at(friday - dt.timedelta(days=1), 15)) == 0
        assert actions.do_send_weekly_newsletters(_at(friday, 14, 5)) == 1
        assert actions.do_send_weekly_newsletters(_at(friday, 16)) == 0  # once a week
        assert actions.do_send_weekly_newsletters(_at(friday + dt.timedelta(days=7), 14)) == 1
    issues = NewsletterIssue.objects.filter(organisation=world["org"], automatic=True)
    assert sorted(i.week for i in issues) == ["2026-W50", "2026-W51"]
    assert [i.recipients for i in issues] == [people, people]
    assert OutgoingMail.objects.filter(organisation=world["org"]).count() == 2 * people
    # the page lists them, sent "by itself"
    page = client.get("/announcements/newsletter/").content.decode()
    assert "veckovis, av sig själv" in page


def test_a_newsletter_setting_outside_the_day_is_refused(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["boss"])
    response = client.post(
        "/announcements/newsletter/",
        {"save_settings": "1", "weekly": "on", "weekday": "4", "hour": "25"},
    )
    assert response.status_code == 422
    assert not NewsletterIssue.objects.exists()
    from distans.announcements.models import NewsletterSettings

    assert not NewsletterSettings.objects.filter(organisation=world["org"], weekly=True).exists()
