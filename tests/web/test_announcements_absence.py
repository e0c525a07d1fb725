"""Announcements against absence's register: a person reported absent today has a
shift but is not working — neither counted in reach nor "on shift today" (nor at
home or at the office today)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_person, make_queue, make_team
from tests.factories_announcements import make_announcement, shift_today

from distans.absence import actions as absence
from distans.announcements import actions, queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    org = make_organisation()
    team = make_team(org, name="Lag Norr")
    queue = make_queue(org)
    boss = make_person(org, full_name="Sara Super", is_supervisor=True, is_agent=False)
    working = make_agent(org, [queue], full_name="Olle Ipass", team=team)
    sick = make_agent(org, [queue], full_name="Erik Sjuk", team=team)
    shift_today(working)
    shift_today(sick)
    return {"org": org, "boss": boss, "working": working, "sick": sick}


def _today(org: Any) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(org.time_zone)).date()


def test_an_agent_on_shift_but_sick_is_neither_on_shift_today_nor_in_reach(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    org, working, sick = world["org"], world["working"], world["sick"]
    on_shift = make_announcement(org, world["boss"], audience_kind="on_shift_today")
    at_home = make_announcement(org, world["boss"], audience_kind="home_today")
    assert queries.audience_ids(on_shift) == {working.pk, sick.pk}  # before the report
    assert queries.audience_ids(at_home) == {working.pk, sick.pk}

    absence.do_report_absence(sick, "sick", _today(org), by=sick)

    assert queries.audience_ids(on_shift) == {working.pk}
    assert queries.audience_ids(at_home) == {working.pk}
    everyone = make_announcement(org, world["boss"], audience_kind="everyone")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_send_announcement(everyone)
    reach = queries.reach(everyone)
    assert reach.working == 1  # Olle only: Erik's shift does not make him working
    rows = queries._roster_rows(everyone)
    assert [row[0] for row in rows] == [working.pk]


def test_back_at_work_counts_again_and_another_day_is_not_affected(
    world: dict[str, Any],
) -> None:
    org, working, sick = world["org"], world["working"], world["sick"]
    today = _today(org)
    tomorrow_absence = absence.do_report_absence(
        sick, "sick", today + dt.timedelta(days=1), by=sick
    )
    on_shift = make_announcement(org, world["boss"], audience_kind="on_shift_today")
    assert queries.audience_ids(on_shift) == {working.pk, sick.pk}  # absent tomorrow only
    absence.do_end_absence(tomorrow_absence, by=sick)
    today_absence = absence.do_report_absence(sick, "child_sick", today, by=sick)
    assert queries.audience_ids(on_shift) == {working.pk}
    absence.do_end_absence(today_absence, by=sick)  # back at work today
    assert queries.audience_ids(on_shift) == {working.pk, sick.pk}
