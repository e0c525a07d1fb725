"""Issue 18, point 1: weekly check-ins (list, plan, record, private notes, follow-ups,
the overdue list and its daily reminder) and the daily team meeting's attendance."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy
from typing import Any

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person, make_team

from distans.wellbeing import actions, queries
from distans.wellbeing.models import CheckIn, CheckInReminder, FollowUp, TeamMeeting

pytestmark = pytest.mark.django_db


def _world() -> dict[str, Any]:
    org = make_organisation()
    team = make_team(org, name="Lag Norr")
    other = make_team(org, name="Lag Syd")
    leader = make_person(
        org, full_name="Karin Ledare", team=team, is_team_leader=True, language="sv"
    )
    team.leader = leader
    team.save()
    anna = make_person(org, full_name="Anna Agent", team=team)
    erik = make_person(org, full_name="Erik Agent", team=team)
    sven = make_person(org, full_name="Sven Sydlag", team=other)
    other_leader = make_person(org, full_name="Sofia Sydledare", team=other, is_team_leader=True)
    other.leader = other_leader
    other.save()
    hr = make_person(org, full_name="Hanna HR", is_org_admin=True, is_agent=False)
    supervisor = make_person(org, full_name="Stig Super", is_supervisor=True, is_agent=False)
    today = queries.local_today(org.pk)
    return dict(
        org=org,
        team=team,
        other=other,
        leader=leader,
        anna=anna,
        erik=erik,
        sven=sven,
        other_leader=other_leader,
        hr=hr,
        supervisor=supervisor,
        today=today,
    )


def _client(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_leader_lists_their_people_with_the_last_check_in_and_who_is_overdue() -> None:
    w = _world()
    actions.do_record_checkin(w["leader"], w["anna"], "video", w["today"] - dt.timedelta(days=2))
    actions.do_record_checkin(w["leader"], w["erik"], "call", w["today"] - dt.timedelta(days=8))
    body = _client(w["leader"]).get("/wellbeing/checkins/").content.decode()
    assert "Anna Agent" in body and "Erik Agent" in body
    assert "Sven Sydlag" not in body  # another team's person
    overdue = body.split('id="overdue"', 1)[1].split("</section>", 1)[0]
    assert "Erik Agent" in overdue and "Anna Agent" not in overdue
    assert "Karin Ledare" not in overdue  # the leader does not check on themselves
    assert "Videosamtal" in body  # the last check-in's kind, in Swedish


def test_recording_a_check_in_fulfils_the_planned_one_and_leaves_the_overdue_list() -> None:
    w = _world()
    client = _client(w["leader"])
    tomorrow = w["today"] + dt.timedelta(days=1)
    response = client.post(
        f"/wellbeing/checkins/person/{w['erik'].pk}/plan/",
        {"planned_for": tomorrow.isoformat(), "kind": "video"},
    )
    assert response.status_code == 302
    planned = CheckIn.objects.get(person=w["erik"])
    assert planned.status == "planned" and planned.planned_for == tomorrow
    response = client.post(
        f"/wellbeing/checkins/person/{w['erik'].pk}/record/",
        {
            "kind": "in_person",
            "held_on": w["today"].isoformat(),
            "notes": "Ryggont, vill ha ny stol",
            "follow_up": "Beställ stol",
            "follow_up_due": tomorrow.isoformat(),
        },
    )
    assert response.status_code == 302
    held = CheckIn.objects.get(person=w["erik"])  # the same row: the plan was fulfilled
    assert held.pk == planned.pk and held.status == "done" and held.kind == "in_person"
    assert held.notes == "Ryggont, vill ha ny stol"
    follow_up = FollowUp.objects.get(checkin=held)
    body = client.get("/wellbeing/checkins/").content.decode()
    overdue = body.split('id="overdue"', 1)[1].split("</section>", 1)[0]
    assert "Erik Agent" not in overdue
    assert "Beställ stol" in body
    client.post(f"/wellbeing/follow-ups/{follow_up.pk}/done/")
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None and follow_up.done_by == w["leader"]
    assert "Beställ stol" not in client.get("/wellbeing/checkins/").content.decode()


def test_private_notes_are_read_by_the_leader_and_hr_only() -> None:
    w = _world()
    actions.do_record_checkin(w["leader"], w["anna"], "call", w["today"], "Hemligt: sjuk mamma")
    path = f"/wellbeing/checkins/person/{w['anna'].pk}/"
    assert "Hemligt: sjuk mamma" in _client(w["leader"]).get(path).content.decode()
    assert "Hemligt: sjuk mamma" in _client(w["hr"]).get(path).content.decode()
    supervisor_page = _client(w["supervisor"]).get(path)
    assert supervisor_page.status_code == 200  # a supervisor follows the check-ins …
    assert "Hemligt: sjuk mamma" not in supervisor_page.content.decode()  # … but not the notes
    # another team's leader does not even reach the person
    assert _client(w["other_leader"]).get(path).status_code == 404
    # an agent holds no check-in permission
    assert _client(w["erik"]).get(path).status_code == 403


def test_someone_who_may_not_read_notes_cannot_write_them_either() -> None:
    w = _world()
    _client(w["supervisor"]).post(
        f"/wellbeing/checkins/person/{w['anna'].pk}/record/",
        {"kind": "call", "notes": "Smygnotering"},
    )
    assert CheckIn.objects.get(person=w["anna"]).notes == ""


def test_bad_input_is_refused_with_a_translated_message_and_nothing_saved() -> None:
    w = _world()
    client = _client(w["leader"])
    path = f"/wellbeing/checkins/person/{w['anna'].pk}/record/"
    future = (w["today"] + dt.timedelta(days=3)).isoformat()
    response = client.post(path, {"kind": "call", "held_on": future})
    assert response.status_code == 422
    assert "framtiden" in response.content.decode()
    response = client.post(path, {"kind": "telegram", "held_on": w["today"].isoformat()})
    assert response.status_code == 422
    response = client.post(path, {"kind": "call", "held_on": "igår"})
    assert response.status_code == 422 and "år-månad-dag" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_leader_cannot_check_in_on_another_teams_person() -> None:
    w = _world()
    client = _client(w["leader"])
    assert (
        client.post(
            f"/wellbeing/checkins/person/{w['sven'].pk}/record/", {"kind": "call"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/wellbeing/checkins/person/{w['sven'].pk}/plan/",
            {"planned_for": w["today"].isoformat(), "kind": "call"},
        ).status_code
        == 404
    )
    checkin = actions.do_record_checkin(
        w["other_leader"], w["sven"], "call", w["today"], "", "Ring igen"
    )
    follow_up = FollowUp.objects.get(checkin=checkin)
    assert client.post(f"/wellbeing/follow-ups/{follow_up.pk}/done/").status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.done_at is None
    assert not CheckIn.objects.filter(person=w["sven"], leader=w["leader"]).exists()


def test_the_daily_reminder_reaches_the_leader_once_by_page_and_mail() -> None:
    from distans.channels_email.models import OutgoingMail

    w = _world()
    actions.do_record_checkin(w["leader"], w["anna"], "call", w["today"] - dt.timedelta(days=1))
    # a weekday morning, 09:00 in Stockholm
    day = w["today"]
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    from zoneinfo import ZoneInfo

    morning = dt.datetime.combine(day, dt.time(9, 0), tzinfo=ZoneInfo("Europe/Stockholm"))
    early = dt.datetime.combine(day, dt.time(6, 0), tzinfo=ZoneInfo("Europe/Stockholm"))
    assert actions.do_send_checkin_reminders(early) == 0  # before the working day
    made = actions.do_send_checkin_reminders(morning)
    assert made == 2  # Karin (Erik never checked on) and Sofia (Sven)
    assert actions.do_send_checkin_reminders(morning) == 0  # once a day
    reminder = CheckInReminder.objects.get(leader=w["leader"])
    assert reminder.overdue == 1
    mail = OutgoingMail.objects.get(organisation=w["org"], recipients__icontains=w["leader"].email)
    assert "Inte avstämda på en vecka: 1 i Lag Norr" == mail.subject
    text = message_from_bytes(bytes(mail.raw), policy=policy.default).get_body().get_content()  # type: ignore[union-attr]
    assert "Erik Agent" in text and "Anna Agent" not in text
    assert OutgoingMail.objects.filter(organisation=w["org"]).count() == 2
    if reminder.day == queries.local_today(w["org"].pk):  # the notice on the page is today's
        body = _client(w["leader"]).get("/wellbeing/checkins/").content.decode()
        assert 'id="checkin-reminder"' in body


def test_a_weekend_brings_no_reminder() -> None:
    w = _world()
    day = w["today"]
    while day.weekday() != 5:
        day += dt.timedelta(days=1)
    from zoneinfo import ZoneInfo

    assert (
        actions.do_send_checkin_reminders(
            dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo("Europe/Stockholm"))
        )
        == 0
    )


def test_the_daily_meeting_records_attendance_of_the_teams_own_people_only() -> None:
    w = _world()
    client = _client(w["leader"])
    response = client.post(
        "/wellbeing/meeting/",
        {"team": w["team"].pk, "present": [w["anna"].pk, w["sven"].pk], "note": "Kort genomgång"},
    )
    assert response.status_code == 302
    meeting = TeamMeeting.objects.get(team=w["team"])
    assert meeting.day == w["today"]
    assert set(meeting.attendees.values_list("pk", flat=True)) == {w["anna"].pk}
    body = client.get("/wellbeing/meeting/").content.decode()
    assert "Kort genomgång" in body
    assert "1 av 3" in body  # Anna of Karin, Anna and Erik
    # saving again the same day updates the one meeting
    client.post(
        "/wellbeing/meeting/", {"team": w["team"].pk, "present": [w["anna"].pk, w["erik"].pk]}
    )
    assert TeamMeeting.objects.filter(team=w["team"]).count() == 1
    assert TeamMeeting.objects.get(team=w["team"]).attendees.count() == 2
    # another team's leader cannot write this team's meeting
    response = _client(w["other_leader"]).post(
        "/wellbeing/meeting/", {"team": w["team"].pk, "present": []}
    )
    assert response.status_code == 404
    assert TeamMeeting.objects.get(team=w["team"]).attendees.count() == 2


def test_attendance_cannot_be_taken_for_a_future_day() -> None:
    w = _world()
    response = _client(w["leader"]).post(
        "/wellbeing/meeting/",
        {"team": w["team"].pk, "day": (w["today"] + dt.timedelta(days=2)).isoformat()},
    )
    assert response.status_code == 422
    assert not TeamMeeting.objects.exists()


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("sv", "Inte avstämda på 7 dagar"),
        ("nb", "Ikke fulgt opp på 7 dager"),
        ("en", "Not checked on for 7 days"),
    ],
)
def test_the_check_in_page_speaks_the_persons_language(language: str, heading: str) -> None:
    w = _world()
    w["leader"].language = language
    w["leader"].save()
    body = _client(w["leader"]).get("/wellbeing/checkins/").content.decode()
    assert heading in body
