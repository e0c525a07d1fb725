"""Absence, readiness for home work, the break record and shift swaps (issue 18,
points 3–5): each page and action as people use them, and the rules each keeps."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
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
    local_today,
    make_history,
    make_plan,
    make_schedule,
    make_settings,
    make_shift,
    next_monday,
)

from distans.absence import actions, queries
from distans.absence.models import Absence, ItProblem, SwapRequest
from distans.core.errors import InvalidInput
from distans.core.queueing.erlang_c import erlang_c_service_level
from distans.planning.models import Shift
from distans.routing.models import RoutingEvent

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def centre():  # type: ignore[no-untyped-def]
    org = make_organisation(time_zone="Europe/Stockholm")
    queue = make_queue(org, name="Allmänt")
    queue.weekly_hours = {str(d): [["08:00", "12:00"]] for d in range(5)}
    queue.save()
    north = make_team(org, name="Norr")
    south = make_team(org, name="Syd")
    anna = make_agent(org, [queue], full_name="Anna A", team=north)
    bert = make_agent(org, [queue], full_name="Bert B", team=north)
    cilla = make_agent(org, [queue], full_name="Cilla C", team=south)
    leader = make_person(
        org, full_name="Karin Ledare", team=north, is_team_leader=True, is_agent=False
    )
    north.leader = leader
    north.save()
    return org, queue, north, south, anna, bert, cilla, leader


def _client(person) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZONE)


def _weekday_ahead(org) -> dt.date:  # type: ignore[no-untyped-def]
    """A weekday after today (the demo history is weekdays only)."""
    day = local_today(org) + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


# --- absence --------------------------------------------------------------------------


def test_a_person_reports_sick_and_absent_people_follows(centre) -> None:  # type: ignore[no-untyped-def]
    org, _q, _n, _s, anna, bert, _c, _l = centre
    other = make_organisation()
    stranger = make_person(other, full_name="Främling")
    today = local_today(org)
    response = _client(anna).post(
        "/absence/report/",
        {"kind": "child_sick", "first_day": today.isoformat(), "note": "Förskolan"},
    )
    assert response.status_code == 302
    absence = Absence.objects.get(person=anna)
    assert absence.kind == "child_sick" and absence.last_day == today and absence.via == "desk"
    assert list(queries.absent_people(org, today)) == [anna]
    assert stranger not in queries.absent_people(
        other, today
    ) and anna not in queries.absent_people(other, today)
    page = _client(anna).get("/absence/").content.decode()
    assert "Vård av sjukt barn" in page and "Jag är tillbaka" in page
    # Back at work: no longer absent.
    assert _client(anna).post(f"/absence/{absence.pk}/end/").status_code == 302
    assert list(queries.absent_people(org, today)) == []
    # A colleague cannot end someone else's absence; a past first day is refused.
    again = actions.do_report_absence(anna, "sick", today)
    assert _client(bert).post(f"/absence/{again.pk}/end/").status_code == 404
    with pytest.raises(InvalidInput):
        actions.do_report_absence(bert, "sick", today - dt.timedelta(days=1))


def test_a_leader_reports_for_their_team_only(centre) -> None:  # type: ignore[no-untyped-def]
    org, _q, _n, _s, anna, _b, cilla, leader = centre
    today = local_today(org).isoformat()
    client = _client(leader)
    client.post("/absence/report/", {"kind": "sick", "first_day": today, "person": anna.pk})
    assert Absence.objects.get(person=anna).via == "leader"
    refused = client.post(
        "/absence/report/", {"kind": "sick", "first_day": today, "person": cilla.pk}
    )
    assert refused.status_code == 403 and not Absence.objects.filter(person=cilla).exists()
    page = client.get("/absence/team/").content.decode()
    assert "Anna A" in page and "Sjuk" in page


def test_the_api_reports_absence_for_a_phone_menu(centre) -> None:  # type: ignore[no-untyped-def]
    from distans.accounts.actions import do_create_api_token

    org, _q, _n, _s, anna, bert, cilla, leader = centre
    response = _client(anna).post(
        "/api/absences", {"kind": "sick"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["person_id"] == anna.pk and response.json()["via"] == "api"
    # Someone else's absence needs a leader (or a key).
    refused = _client(anna).post(
        "/api/absences", {"kind": "sick", "person_id": bert.pk}, content_type="application/json"
    )
    assert refused.status_code == 403
    key, _token = do_create_api_token(org, "IVR", scopes=["absence.report", "absence.lead"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    made = Client().post(
        "/api/absences",
        {"kind": "child_sick", "person_email": bert.email},
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201, made.content
    listed = Client().get("/api/absences", **headers).json()
    assert {row["person"] for row in listed} == {"Anna A", "Bert B"}
    assert _client(anna).get("/api/absences").status_code == 403  # agents do not list
    # A team leader lists their own team only.
    Client().post(
        "/api/absences",
        {"kind": "sick", "person_id": cilla.pk},
        content_type="application/json",
        **headers,
    )
    assert len(Client().get("/api/absences", **headers).json()) == 3
    mine = {row["person"] for row in _client(leader).get("/api/absences").json()}
    assert mine == {"Anna A", "Bert B"}
    twice = _client(anna).post("/api/absences", {"kind": "sick"}, content_type="application/json")
    assert twice.status_code == 409


# --- today's staffing -------------------------------------------------------------------


def test_an_absence_changes_the_days_staffing_and_service_level(centre) -> None:  # type: ignore[no-untyped-def]
    org, queue, _n, _s, anna, bert, cilla, leader = centre
    make_history(queue, weeks=3, busy=6.0, quiet=6.0)
    make_plan(queue, aht_seconds=240, service_level=0.8, answer_within_seconds=20)
    day = _weekday_ahead(org)
    schedule = make_schedule(org, day - dt.timedelta(days=day.weekday()))
    for person in (anna, bert, cilla):
        make_shift(schedule, person, _at(day, 8), _at(day, 12))
    before = queries.intraday(org, day)
    nine = next(r for r in before.rows if r["start"] == "09:00")
    assert nine["scheduled"] == 3 and nine["available"] == 3 and nine["required"] > 0
    actions.do_report_absence(bert, "sick", day)
    after = queries.intraday(org, day)
    nine_after = next(r for r in after.rows if r["start"] == "09:00")
    assert nine_after["available"] == 2 and nine_after["scheduled"] == 3
    assert [m.person for m in after.missing] == [bert]
    # The level left is Erlang C's for the agents still there.
    traffic = nine_after["contacts"] * 240 / 900
    expected = round(100 * float(erlang_c_service_level(traffic, 2, 240, 20)))
    assert nine_after["level"] == expected < nine_after["planned_level"]
    page = _client(leader).get(f"/absence/today/?day={day.isoformat()}").content.decode()
    assert "Bert B" in page and 'data-slot="09:00"' in page
    assert _client(anna).get("/absence/today/").status_code == 403


# --- readiness and IT -------------------------------------------------------------------


def test_readiness_checklist_feeds_scheduling_and_the_planning_page(centre) -> None:  # type: ignore[no-untyped-def]
    from distans.planning.queries import not_ready_for_home

    org, _q, _n, _s, anna, bert, cilla, _l = centre
    make_site(org, name="Hemma", kind="home")
    admin = make_person(org, full_name="Adam Admin", is_org_admin=True, is_agent=False)
    for person in (anna, cilla):
        for item in ("headset", "screen", "phone", "softphone", "network"):
            actions.do_save_readiness(person, item, "ok")
    _client(bert).post("/absence/readiness/", {"item": "screen", "status": "ok"})
    _client(bert).post(
        "/absence/problems/", {"item": "headset", "description": "Headsetet knastrar"}
    )
    assert queries.readiness_of(bert).ready is False
    assert queries.readiness_of(anna).ready is True
    # Not required by the organisation yet: everyone may be scheduled at home.
    assert not_ready_for_home(org) == []
    _client(admin).post("/absence/settings/", {"home_readiness_required": "on"})
    blocked = not_ready_for_home(org)
    assert [row["name"] for row in blocked] == ["Bert B"]
    assert "Headset: problem" in blocked[0]["reason"] or "Headset" in blocked[0]["reason"]
    page = _client(admin).get("/planning/").content.decode()
    assert "Kan inte schemaläggas hemma" in page and "Bert B" in page
    # IT's list: the admin sees and resolves it; a team leader may not.
    it_page = _client(admin).get("/absence/it/").content.decode()
    assert "Headsetet knastrar" in it_page
    problem = ItProblem.objects.get(person=bert)
    assert _client(make_person(org, is_team_leader=True)).get("/absence/it/").status_code == 403
    _client(admin).post(f"/absence/it/{problem.pk}/resolve/", {"answer": "Nytt headset skickat"})
    problem.refresh_from_db()
    assert problem.status == "resolved" and problem.resolved_by == admin


def test_a_person_not_ready_is_left_out_of_the_week_and_told_why(centre) -> None:  # type: ignore[no-untyped-def]
    from distans.absence.models import AbsenceSettings
    from distans.planning.solving import build_week

    org, queue, _n, _s, anna, bert, cilla, _l = centre
    make_site(org, name="Hemma", kind="home")
    make_history(queue, weeks=3)
    from tests.factories_planning import make_template

    make_template(org)
    AbsenceSettings.objects.create(organisation=org, home_readiness_required=True)
    for person in (anna, cilla):
        for item in ("headset", "screen", "phone", "softphone", "network"):
            actions.do_save_readiness(person, item, "ok")
    problem = build_week(org, next_monday(org), local_today(org))
    names = {p.name for p in problem.people}
    assert str(bert.pk) not in names and {str(anna.pk), str(cilla.pk)} <= names
    assert problem.left_out[0]["name"] == "Bert B"
    assert "inte redo att arbeta hemifrån" in problem.left_out[0]["reason"]


# --- breaks -----------------------------------------------------------------------------


def _state(org, person, at: dt.datetime, to: str) -> None:  # type: ignore[no-untyped-def]
    RoutingEvent.objects.create(
        organisation=org, name="agent_state_changed", agent_id=person.pk, at=at, data={"to": to}
    )


def test_breaks_are_judged_from_presence_and_leaders_see_totals_only(centre) -> None:  # type: ignore[no-untyped-def]
    org, _q, north, _s, anna, bert, _c, leader = centre
    day = local_today(org) - dt.timedelta(days=1)
    schedule = make_schedule(org, day - dt.timedelta(days=day.weekday()))
    rows = {}
    for person, pause in ((anna, 15), (bert, 5)):
        shift = make_shift(
            schedule, person, _at(day, 8), _at(day, 14),
            [("break", _at(day, 10), _at(day, 10, 15)), ("lunch", _at(day, 12), _at(day, 12, 30))],
        )  # fmt: skip
        rows[person.pk] = shift
        _state(org, person, _at(day, 8), "available")
        _state(org, person, _at(day, 10, 5), "break")
        _state(org, person, _at(day, 10, 5 + pause), "available")
    # Anna took her break (10 min late, in full) and skipped lunch; Bert shortened his.
    record = {r.item.label: r.outcome for r in queries.break_record(anna)}
    assert record == {"break": "taken", "lunch": "skipped"}
    assert {r.item.label: r.outcome for r in queries.break_record(bert)}["break"] == "shortened"
    mine = _client(anna).get("/absence/my-breaks/").content.decode()
    assert mine.count("data-outcome=") == 2 and "Hoppades över" in mine
    summary = {s.team.pk: s for s in queries.team_break_summaries(leader)}[north.pk]
    assert (summary.taken, summary.shortened, summary.skipped) == (1, 1, 2)
    page = _client(leader).get("/absence/team/").content.decode()
    assert 'data-field="skipped">2<' in page
    assert "data-outcome=" not in page  # no one's own breaks on the leader's page


# --- swaps ------------------------------------------------------------------------------


@pytest.fixture
def week(centre):  # type: ignore[no-untyped-def]
    org, _q, north, _s, anna, bert, cilla, leader = centre
    monday = next_monday(org)
    schedule = make_schedule(org, monday)
    tuesday = monday + dt.timedelta(days=1)
    shifts = {
        "anna_mon": make_shift(schedule, anna, _at(monday, 8), _at(monday, 14)),
        "bert_tue": make_shift(schedule, bert, _at(tuesday, 8), _at(tuesday, 14)),
        "bert_mon": make_shift(schedule, bert, _at(monday, 10), _at(monday, 16)),
        "cilla_tue": make_shift(
            schedule, cilla, _at(tuesday, 8), _at(tuesday, 14), location="office"
        ),
    }
    return centre, shifts


def test_a_swap_is_agreed_approved_and_the_schedule_changes(week) -> None:  # type: ignore[no-untyped-def]
    (org, _q, _n, _s, anna, bert, _c, leader), shifts = week
    Shift.objects.filter(pk=shifts["bert_mon"].pk).delete()
    response = _client(anna).post(
        "/absence/swaps/", {"shift": shifts["anna_mon"].pk, "return_shift": shifts["bert_tue"].pk}
    )
    assert response.status_code == 302
    swap = SwapRequest.objects.get()
    assert swap.colleague == bert and swap.status == "asked"
    # Only the colleague answers; then the leader decides.
    assert (
        _client(leader)
        .post(f"/absence/swaps/{swap.pk}/decide/", {"decision": "approve"})
        .status_code
        == 404
    )
    _client(bert).post(f"/absence/swaps/{swap.pk}/answer/", {"answer": "agree"})
    swap.refresh_from_db()
    assert swap.status == "agreed"
    page = _client(leader).get("/absence/team/").content.decode()
    assert f'data-swap="{swap.pk}"' in page and "Godkänn" in page
    _client(leader).post(f"/absence/swaps/{swap.pk}/decide/", {"decision": "approve"})
    swap.refresh_from_db()
    assert swap.status == "approved" and swap.decided_by == leader
    assert Shift.objects.get(pk=shifts["anna_mon"].pk).person == bert
    assert Shift.objects.get(pk=shifts["bert_tue"].pk).person == anna


def test_a_swap_that_breaks_the_rules_is_refused(week) -> None:  # type: ignore[no-untyped-def]
    (org, _q, _n, _s, anna, bert, cilla, _l), shifts = week
    make_settings(org, teams_apart_at_office=True)
    # Bert already works Monday: taking Anna's Monday shift is one shift too many.
    with pytest.raises(InvalidInput, match="arbetar redan"):
        actions.do_request_swap(anna, shifts["anna_mon"], bert, shifts["bert_tue"])
    # Cilla's Tuesday is at the office and she is in another team (teams apart).
    with pytest.raises(InvalidInput, match="annat lag"):
        actions.do_request_swap(cilla, shifts["cilla_tue"], anna)
    # Rest: Bert works Monday until 23:00; Anna's Tuesday 08:00 would leave him 9 hours.
    monday = shifts["anna_mon"].starts_at.astimezone(ZONE).date()
    tuesday = monday + dt.timedelta(days=1)
    Shift.objects.filter(pk=shifts["bert_mon"].pk).update(
        starts_at=_at(monday, 15), ends_at=_at(monday, 23)
    )
    bert_tue = Shift.objects.get(pk=shifts["bert_tue"].pk)
    bert_tue.person = anna
    bert_tue.save()
    with pytest.raises(InvalidInput, match="vila"):
        actions.do_request_swap(anna, bert_tue, bert)
    # Readiness: a home shift goes only to someone ready, when the organisation asks.
    from distans.absence.models import AbsenceSettings

    settings = AbsenceSettings.objects.create(organisation=org, home_readiness_required=True)
    with pytest.raises(InvalidInput, match="inte redo"):
        actions.do_request_swap(anna, shifts["anna_mon"], cilla)
    # Nobody takes a shift on a day they are reported absent.
    settings.home_readiness_required = False
    settings.save()
    actions.do_report_absence(cilla, "sick", monday)
    with pytest.raises(InvalidInput, match="frånvaroanmäld"):
        actions.do_request_swap(anna, shifts["anna_mon"], cilla)
    assert tuesday.weekday() == 1
    assert not SwapRequest.objects.exists()


# --- the monthly report -------------------------------------------------------------------


def test_absence_and_sick_rate_per_team_and_month(centre) -> None:  # type: ignore[no-untyped-def]
    org, _q, north, south, anna, bert, cilla, leader = centre
    supervisor = make_person(org, is_supervisor=True)
    monday = next_monday(org)
    reported = _at(monday, 7)
    actions.do_report_absence(anna, "sick", monday, monday + dt.timedelta(days=1), now=reported)
    actions.do_report_absence(cilla, "child_sick", monday, now=reported)
    rows = {r.team.name: r for r in queries.month_report(supervisor, monday)}
    first = monday.replace(day=1)
    end = min(
        monday + dt.timedelta(days=1),
        (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1),
    )
    anna_days = (end - monday).days + 1
    assert rows["Norr"].days["sick"] == anna_days and rows["Syd"].days["child_sick"] == 1
    people_norr = rows["Norr"].people
    assert rows["Norr"].sick_rate == round(
        100 * anna_days / (people_norr * rows["Norr"].workdays), 1
    )
    page = _client(supervisor).get(f"/absence/month/?month={monday:%Y-%m}").content.decode()
    assert "Sjukfrånvaro" in page and 'data-field="child_sick">1<' in page
    # A team leader sees their own team only.
    led = {r.team.name for r in queries.month_report(leader, monday)}
    assert led == {"Norr"}
