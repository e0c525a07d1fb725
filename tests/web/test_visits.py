"""Visit booking (issue 19, point 1): the public pages without an account, the mail
with its .ics and signed links through the outbox, moving and cancelling, staff's day
list (check-in, no-show, notes, closing a day), reminders by e-mail and SMS through
the adapter, the visitor log's deletion, planning's demand and the settings pages."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy

import pytest
from django.core import mail as django_mail
from django.test import Client
from django.utils import timezone
from tests.factories import PASSWORD, make_organisation, make_person, make_queue
from tests.factories_planning import make_schedule, make_shift
from tests.factories_visits import make_service, tomorrow_at

from distans import sms
from distans.accounts.models import AuditEntry
from distans.channels_email.models import OutgoingMail, OutgoingStatus
from distans.visits import actions, mail, queries
from distans.visits.actions import SlotTaken
from distans.visits.choices import VisitStatus
from distans.visits.models import ClosedDay, Visit, VisitSettings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail_and_sms(settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DISTANS_SMS_ADAPTER = "distans.sms.RecordingSmsAdapter"
    sms.clear_recorded()
    yield
    sms.clear_recorded()


def book(service, at, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("name", "Vera Besökare")
    fields.setdefault("email", "vera@medborgare.example")
    return actions.do_book_visit(service, at, link_base="http://testserver/", **fields)


def outgoing(visit: Visit) -> list[OutgoingMail]:
    return list(OutgoingMail.objects.filter(recipients__contains=visit.email).order_by("pk"))


def ics_of(raw: bytes) -> str:
    message = message_from_bytes(raw, policy=policy.default)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    return str(attachment.get_content())


def test_a_visitor_books_without_an_account_and_gets_the_mail_with_ics(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation(slug="vasterby")
    service = make_service(org, name="ID-kontroll", name_en="ID check")
    client = Client()
    page = client.get("/visits/book/vasterby/?lang=en")
    assert page.status_code == 200 and "ID check" in page.content.decode()
    slots = client.get(f"/visits/book/vasterby/{service.pk}/?lang=sv")
    at = tomorrow_at(org, 10)
    assert at.isoformat() in slots.content.decode()
    details = client.get(
        f"/visits/book/vasterby/{service.pk}/details/", {"slot": at.isoformat(), "lang": "sv"}
    )
    assert details.status_code == 200 and "Dina uppgifter" in details.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/visits/book/vasterby/{service.pk}/details/",
            {
                "slot": at.isoformat(),
                "lang": "sv",
                "name": "Vera Besökare",
                "email": "vera@medborgare.example",
                "phone": "+46 70 123 45 67",
                "consent": "on",
            },
        )
    assert response.status_code == 302 and "/visits/manage/" in response["Location"]
    visit = Visit.objects.get()
    assert (visit.starts_at, visit.phone, visit.language) == (at, "+46701234567", "sv")
    (row,) = outgoing(visit)
    assert row.status == OutgoingStatus.SENT and row.purpose == "visit"
    (sent,) = django_mail.outbox
    assert sent.subject.startswith("Bokat: ID-kontroll")
    (link,) = re.findall(r"http://testserver/visits/manage/\S+/", sent.body)
    assert mail.unsign_token(link.split("/")[-2]) == visit.token  # signed, timestamped
    filename, content, mimetype = sent.attachments[0]
    assert mimetype == "text/calendar" and filename == "besok.ics"
    assert at.strftime("DTSTART:%Y%m%dT%H%M%SZ") in content
    manage = client.get(link.removeprefix("http://testserver"))
    assert "Vera Besökare" in manage.content.decode() and "Bokad" in manage.content.decode()


def test_the_form_tells_what_is_missing_and_books_nothing() -> None:
    org = make_organisation(slug="vasterby")
    service = make_service(org)
    at = tomorrow_at(org, 10)
    response = Client().post(
        f"/visits/book/vasterby/{service.pk}/details/",
        {
            "slot": at.isoformat(),
            "lang": "sv",
            "name": " ",
            "email": "inte-en-adress",
            "phone": "ring mig",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and not Visit.objects.exists()
    assert "Skriv ditt namn." in body or "Detta fält måste fyllas i." in body
    assert "siffror" in body


def test_a_taken_slot_is_refused_and_a_group_slot_takes_its_capacity() -> None:
    org = make_organisation()
    single = make_service(org)
    at = tomorrow_at(org, 9)
    book(single, at)
    with pytest.raises(SlotTaken):
        book(single, at, email="other@example.org")
    group = make_service(org, name="Informationsmöte", capacity_per_slot=2, site=single.site)
    first, second = book(group, at), book(group, at, email="b@example.org")
    assert {first.seat, second.seat} == {1, 2}
    with pytest.raises(SlotTaken):
        book(group, at, email="c@example.org")
    assert at not in [s.starts_at for s in queries.available_slots(group)]


def test_capacity_per_day_and_minimum_notice() -> None:
    org = make_organisation()
    service = make_service(org, capacity_per_day=1, min_notice_hours=2)
    soon = timezone.now() + dt.timedelta(minutes=30)
    assert all(
        s.starts_at >= timezone.now() + dt.timedelta(hours=2)
        for s in queries.available_slots(service)
    )
    book(service, tomorrow_at(org, 9))
    tomorrow = tomorrow_at(org, 9).astimezone(queries.zone_of(org)).date()
    assert queries.available_slots(service, tomorrow, tomorrow) == []
    assert soon  # the notice is the slots' own rule; see the core tests for the edges


def test_staffed_service_follows_published_shifts_and_assigns_staff() -> None:
    org = make_organisation()
    anna = make_person(org, full_name="Anna Handläggare")
    service = make_service(org, staff=[anna])
    start = tomorrow_at(org, 9)
    assert queries.available_slots(service) == []  # nobody works: nothing to book
    week = start.date() - dt.timedelta(days=start.date().weekday())
    draft = make_schedule(org, week, status="draft")
    make_shift(draft, anna, start, start + dt.timedelta(hours=2), location="office")
    assert queries.available_slots(service) == []  # a draft is not a promise
    published = make_schedule(org, week)
    lunch = (start + dt.timedelta(hours=1), start + dt.timedelta(hours=1, minutes=30))
    make_shift(
        published,
        anna,
        start,
        start + dt.timedelta(hours=2),
        breaks=[("lunch", *lunch)],
        location="office",
    )
    offered = [s.starts_at for s in queries.available_slots(service)]
    assert offered == [start, start + dt.timedelta(minutes=30), start + dt.timedelta(minutes=90)]
    visit = book(service, start)
    assert visit.staff == anna


def test_move_and_cancel_through_the_signed_link(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation(slug="vasterby")
    service = make_service(org)
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(service, tomorrow_at(org, 9))
    signed = mail.sign_token(visit)
    client = Client()
    page = client.get(f"/visits/manage/{signed}/move/")
    new_time = tomorrow_at(org, 11)
    assert new_time.isoformat() in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(f"/visits/manage/{signed}/move/", {"slot": new_time.isoformat()})
    assert moved.status_code == 302
    visit.refresh_from_db()
    assert (visit.starts_at, visit.sequence) == (new_time, 1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/visits/manage/{signed}/cancel/")
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED and visit.cancelled_by == "visitor"
    subjects = [m.subject.split(":")[0] for m in django_mail.outbox]
    assert subjects == ["Bokat", "Flyttat", "Avbokat"]
    cancelled_ics = django_mail.outbox[-1].attachments[0][1]
    assert "METHOD:CANCEL" in cancelled_ics and f"UID:visit-{visit.token}@distans" in cancelled_ics
    # The old time is free again; a tampered link finds nothing.
    assert tomorrow_at(org, 9) in [s.starts_at for s in queries.available_slots(service)]
    assert client.get(f"/visits/manage/{signed[:-2]}xx/").status_code == 404
    assert client.post(f"/visits/manage/{signed}/cancel/").status_code == 302  # told, not a 500


def test_a_digital_visit_gets_a_meeting_link_from_the_pattern() -> None:
    org = make_organisation(slug="vasterby")
    VisitSettings.objects.create(
        organisation=org, meeting_pattern="https://meet.example/{org}/{token}"
    )
    service = make_service(org, meeting_mode="digital")
    visit = book(service, tomorrow_at(org, 9))
    assert visit.digital and visit.meeting_url == f"https://meet.example/vasterby/{visit.token}"
    raw = bytes(OutgoingMail.objects.get().raw)
    assert (
        visit.meeting_url in message_from_bytes(raw, policy=policy.default).get_body().get_content()
    )
    assert visit.meeting_url in ics_of(raw)


def test_staff_check_in_mark_no_show_and_note() -> None:
    org = make_organisation()
    service = make_service(org)
    agent = make_person(org)
    first, second = (
        book(service, tomorrow_at(org, 9)),
        book(service, tomorrow_at(org, 10), email="b@example.org"),
    )
    client = Client()
    client.login(email=agent.email, password=PASSWORD)
    day = tomorrow_at(org, 9).astimezone(queries.zone_of(org)).date()
    page = client.get(f"/visits/?site={service.site_id}&day={day}")
    assert page.status_code == 200 and "Vera Besökare" in page.content.decode()
    client.post(f"/visits/{first.pk}/check-in/")
    client.post(f"/visits/{second.pk}/no-show/")
    client.post(f"/visits/{first.pk}/note/", {f"v{first.pk}-note": "Hade med sig ritningar."})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == VisitStatus.CHECKED_IN and first.checked_in_at is not None
    assert first.note == "Hade med sig ritningar."
    assert second.status == VisitStatus.NO_SHOW


def test_closing_a_day_cancels_and_notifies_everyone_in_one_action(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    service = make_service(org, capacity_per_slot=3)
    leader = make_person(org, is_team_leader=True)
    visits = [
        book(service, tomorrow_at(org, 9 + n), email=f"v{n}@example.org", phone=f"+4670000000{n}")
        for n in range(3)
    ]
    other_day = book(service, tomorrow_at(org, 9) + dt.timedelta(days=1), email="later@example.org")
    django_mail.outbox.clear()
    client = Client()
    client.login(email=leader.email, password=PASSWORD)
    day = tomorrow_at(org, 9).astimezone(queries.zone_of(org)).date()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/visits/close-day/",
            {
                "site": service.site_id,
                "day": day.isoformat(),
                "reason": "Vattenläcka",
                "confirm": "on",
            },
        )
    assert response.status_code == 302
    assert {v.status for v in Visit.objects.filter(pk__in=[v.pk for v in visits])} == {
        VisitStatus.CANCELLED
    }
    other_day.refresh_from_db()
    assert other_day.status == VisitStatus.BOOKED
    assert sorted(m.to[0].split("<")[-1].rstrip(">") for m in django_mail.outbox) == [
        "v0@example.org",
        "v1@example.org",
        "v2@example.org",
    ]
    assert all("Vattenläcka" in m.body for m in django_mail.outbox)
    assert sorted(s.to for s in sms.recorded()) == ["+46700000000", "+46700000001", "+46700000002"]
    assert ClosedDay.objects.filter(site=service.site, day=day).exists()
    assert queries.available_slots(service, day, day) == []
    entry = AuditEntry.objects.get(action="visit_day.closed")
    assert entry.actor == leader and entry.changes["after"]["cancelled"] == 3


def test_an_agent_may_not_close_a_day() -> None:
    org = make_organisation()
    service = make_service(org)
    visit = book(service, tomorrow_at(org, 9))
    agent = make_person(org)
    client = Client()
    client.login(email=agent.email, password=PASSWORD)
    day = tomorrow_at(org, 9).astimezone(queries.zone_of(org)).date()
    response = client.post(
        "/visits/close-day/", {"site": service.site_id, "day": day.isoformat(), "confirm": "on"}
    )
    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.status == VisitStatus.BOOKED


def test_reminders_go_by_mail_and_sms_once() -> None:
    org = make_organisation()
    service = make_service(org, reminder_hours=24)
    visit = book(service, tomorrow_at(org, 9), phone="+46701112233")
    Visit.objects.filter(pk=visit.pk).update(created_at=visit.created_at - dt.timedelta(days=3))
    early = visit.starts_at - dt.timedelta(hours=30)
    assert actions.do_send_visit_reminders(early) == 0
    due = visit.starts_at - dt.timedelta(hours=20)
    assert actions.do_send_visit_reminders(due) == 1
    assert actions.do_send_visit_reminders(due) == 0
    subjects = list(OutgoingMail.objects.order_by("pk").values_list("subject", flat=True))
    assert subjects[-1].startswith("Påminnelse:")
    (text,) = sms.recorded()
    assert (
        text.to == "+46701112233" and "Påminnelse" in text.text and "/visits/manage/" in text.text
    )


def test_the_visitor_log_is_deleted_after_the_configured_days() -> None:
    org = make_organisation()
    VisitSettings.objects.create(organisation=org, keep_days=10)
    service = make_service(org)
    visit = book(service, tomorrow_at(org, 9))
    ended = visit.ends_at
    assert actions.do_delete_old_visits(ended + dt.timedelta(days=9)) == 0
    assert actions.do_delete_old_visits(ended + dt.timedelta(days=11)) == 1
    assert not Visit.objects.exists()


def test_booked_visits_count_in_planning_demand() -> None:
    org = make_organisation()
    anna = make_person(org)
    service = make_service(org, capacity_per_slot=2)
    at = tomorrow_at(org, 9)
    book(service, at)
    book(service, at, email="b@example.org")
    Visit.objects.update(staff=anna)  # one host for the group slot
    book(service, at + dt.timedelta(minutes=15 * 4))
    day = at.astimezone(queries.zone_of(org)).date()
    needed = queries.staff_needed_for_visits(service.hours_queue, day, 1, 15)
    assert list(needed[0][36:42]) == [
        1,
        1,
        0,
        0,
        1,
        1,
    ]  # 09:00–09:30 one host; 10:00–10:30 one visit


def test_service_settings_are_audited_and_checked() -> None:
    org = make_organisation()
    admin = make_person(org, is_org_admin=True)
    queue = make_queue(org, name="Servicecenter")
    from tests.factories import make_site

    site = make_site(org, name="Stadshuset")
    client = Client()
    client.login(email=admin.email, password=PASSWORD)
    assert client.get("/settings/visits/").status_code == 200
    data = {
        "name": "Bygglovsmöte",
        "site": site.pk,
        "hours_queue": queue.pk,
        "duration_minutes": 45,
        "buffer_minutes": 15,
        "min_notice_hours": 24,
        "horizon_days": 60,
        "capacity_per_slot": 1,
        "meeting_mode": "choice",
        "reminder_hours": 24,
        "active": "on",
        "staff": [admin.pk],
    }
    bad = client.post("/settings/visits/new/", {**data, "duration_minutes": 2})
    assert bad.status_code == 400
    assert client.post("/settings/visits/new/", data).status_code == 302
    entry = AuditEntry.objects.get(action="visit_service.created")
    assert entry.changes["after"]["duration_minutes"] == 45 and entry.changes["after"]["staff"] == [
        admin.full_name
    ]
    saved = client.post(
        "/settings/visits/options/",
        {
            "keep_days": 14,
            "meeting_pattern": "https://meet.jit.si/{org}-{token}",
            "sms_reminders": "on",
        },
    )
    assert saved.status_code == 302 and VisitSettings.objects.get(organisation=org).keep_days == 14
    bad_pattern = client.post(
        "/settings/visits/options/", {"keep_days": 14, "meeting_pattern": "http://x/{nope}"}
    )
    assert bad_pattern.status_code == 400
    agent = make_person(org)
    client.login(email=agent.email, password=PASSWORD)
    assert client.get("/settings/visits/").status_code == 403


def test_public_pages_speak_the_chosen_language_and_refuse_hostile_text() -> None:
    org = make_organisation(slug="vasterby")
    service = make_service(org, name="ID-kontroll", name_nb="ID-kontroll (NO)")
    client = Client()
    nb = client.get("/visits/book/vasterby/?lang=nb").content.decode()
    assert "Bestill besøk" in nb and "ID-kontroll (NO)" in nb and 'lang="nb"' in nb
    sv = client.get("/visits/book/vasterby/?lang=sv").content.decode()
    assert "Boka besök" in sv and "Book a visit" not in sv
    at = tomorrow_at(org, 10)
    hostile = client.post(
        f"/visits/book/vasterby/{service.pk}/details/",
        {
            "slot": at.isoformat(),
            "lang": "sv",
            "name": "Vera\x00",
            "email": "v@example.org",
            "consent": "on",
        },
    )
    assert hostile.status_code == 400 and not Visit.objects.exists()
    assert client.get("/visits/book/no-such-org/").status_code == 404
    bad_slot = client.get(f"/visits/book/vasterby/{service.pk}/details/", {"slot": "igår"})
    assert bad_slot.status_code == 302  # back to the times, with a message
